package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.ir.Precision;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vector backend's relu passes ({@link VectorRelu}) give the bits of the scalar forms they
 * replace, {@code z > 0 ? z : 0} and {@code g *= (z > 0 ? 1 : 0)}, for every special value (±0,
 * subnormals, ±∞, NaN, negative and infinite deltas) at every length from 0 to 100 and several
 * offsets, in float and double classes; a wide relu layer's forward and one-example step call
 * them; and the vector class trains as the scalar one does.
 */
class VectorReluTest {
  private static final double[] SPECIAL = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE,
      Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1.0, -1.0, 0.5,
      -2.5, Float.MAX_VALUE, -Float.MAX_VALUE, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, Double.NaN, -Double.NaN, 1e-30, -1e-30};

  @ParameterizedTest
  @CsvSource({"V256, FLOAT", "V512, FLOAT", "V256, DOUBLE", "V512, DOUBLE"})
  void reluPassesAreTheScalarFormsBitForBit(KernelPlan.Shape shape, Precision precision)
      throws ReflectiveOperationException {
    KernelPlan plan = KernelPlan.of(shape);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)
        .withPlan(plan);
    String pkg = "gen.relu." + plan.id().replace("-", "")
        + (precision == Precision.FLOAT ? ".f32" : ".f64");
    JavaFile file = JavaGenerator.generate(SampleNetworks.wideRelu(precision), pkg, policy);
    String source = file.toString();
    assertTrue(source.contains(VectorRelu.METHOD + "(z, 0, a, 0, 70);"),
        "the forward calls the relu pass");
    assertTrue(source.contains(VectorRelu.DERIVATIVE_METHOD + "(g, pz, 70);"),
        "the one-example step calls the σ' pass");
    Class<?> type = InMemoryCompiler.compile(List.of(file)).load(pkg + ".WideRelu");
    boolean floats = precision == Precision.FLOAT;
    Class<?> array = floats ? float[].class : double[].class;
    Method relu = type.getDeclaredMethod(VectorRelu.METHOD, array, int.class, array, int.class,
        int.class);
    Method times = type.getDeclaredMethod(VectorRelu.DERIVATIVE_METHOD, array, array, int.class);
    relu.setAccessible(true);
    times.setAccessible(true);

    Random rnd = new Random(7);
    for (int count = 0; count <= 100; count++) {
      int zOff = rnd.nextInt(5);
      int aOff = rnd.nextInt(5);
      double[] z = draw(rnd, zOff + count + 2);
      double[] g = draw(rnd, count + 2);
      Object zs = toArray(z, floats);
      Object out = toArray(new double[aOff + count + 2], floats);
      for (int i = 0; i < Array.getLength(out); i++) {
        Array.set(out, i, floats ? (Object) 7f : (Object) 7.0);
      }
      relu.invoke(null, zs, zOff, out, aOff, count);
      for (int i = 0; i < Array.getLength(out); i++) {
        int k = i - aOff;
        long expected = k >= 0 && k < count ? bits(scalarRelu(Array.get(zs, zOff + k)))
            : bits(Array.get(out, i) instanceof Float ? (Object) 7f : (Object) 7.0);
        assertEquals(expected, bits(Array.get(out, i)), "relu, count " + count + ", index " + i);
      }
      Object gs = toArray(g, floats);
      Object before = toArray(g, floats);
      Object pz = toArray(draw(rnd, count + 2), floats);
      times.invoke(null, gs, pz, count);
      for (int i = 0; i < Array.getLength(gs); i++) {
        long expected = i < count ? bits(scalarTimesDerivative(Array.get(before, i),
            Array.get(pz, i))) : bits(Array.get(before, i));
        assertEquals(expected, bits(Array.get(gs, i)), "σ', count " + count + ", index " + i);
      }
    }

    if (floats) {
      // One-example steps and predictions through them agree with the scalar backend's class.
      TrainableFloatNetwork vector = (TrainableFloatNetwork) type.getConstructor().newInstance();
      TrainableFloatNetwork scalar = (TrainableFloatNetwork) InMemoryCompiler.compile(List.of(
              JavaGenerator.generate(SampleNetworks.wideRelu(precision), pkg + ".scalar",
                  CodegenPolicy.defaults())))
          .load(pkg + ".scalar.WideRelu").getConstructor().newInstance();
      float[] x = new float[12];
      for (int t = 0; t < 50; t++) {
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) rnd.nextGaussian();
        }
        float[] label = {rnd.nextInt(3)};
        // One example: the one-example step, through both relu passes.
        assertEquals(scalar.trainBatch(x, label, 1), vector.trainBatch(x, label, 1), 1e-5,
            "loss of step " + t);
      }
      float[] pv = new float[3];
      float[] ps = new float[3];
      ((FloatNetwork) vector).predict(x, pv);
      ((FloatNetwork) scalar).predict(x, ps);
      for (int o = 0; o < 3; o++) {
        assertEquals(ps[o], pv[o], 1e-5, "output " + o);
      }
    }
  }

  /** Special values first, then Gaussian ones of both signs. */
  private static double[] draw(Random rnd, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextInt(3) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextGaussian();
    }
    return v;
  }

  private static Object toArray(double[] v, boolean floats) {
    Object a = Array.newInstance(floats ? float.class : double.class, v.length);
    for (int i = 0; i < v.length; i++) {
      Array.set(a, i, floats ? (Object) (float) v[i] : (Object) v[i]);
    }
    return a;
  }

  /** The scalar classes' relu: the interpreter's σ in double, rounded to the class's type. */
  private static Object scalarRelu(Object z) {
    if (z instanceof Float f) {
      return (float) (((double) f) > 0.0 ? (double) f : 0.0);
    }
    double d = (Double) z;
    return d > 0.0 ? d : 0.0;
  }

  /** The scalar classes' {@code g *= σ'(z)}. */
  private static Object scalarTimesDerivative(Object g, Object z) {
    if (g instanceof Float f) {
      return f * (float) (((double) (Float) z) > 0.0 ? 1.0 : 0.0);
    }
    return (Double) g * (((Double) z) > 0.0 ? 1.0 : 0.0);
  }

  private static long bits(Object v) {
    return v instanceof Float f ? Float.floatToRawIntBits(f) : Double.doubleToRawLongBits((Double) v);
  }
}
