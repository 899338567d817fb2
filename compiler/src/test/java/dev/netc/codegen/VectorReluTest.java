package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.palantir.javapoet.JavaFile;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vector backend's relu passes ({@link VectorRelu}) give the bits of the scalar forms they
 * replace, {@code z > 0 ? z : 0} and {@code g *= (z > 0 ? 1 : 0)}, for special values (±0,
 * subnormals, ±∞, NaNs of both signs, negative and infinite deltas) at every length from 0 to
 * 100, at offsets and in place, in float and double classes, before and after C2 has compiled
 * them; each path that should call them does; and classes that use them train and predict as
 * the scalar backend's do (float, within 1e-5).
 */
class VectorReluTest {
  private static final long NEGATIVE_NAN = 0xfff8000000000001L;
  private static final double[] SPECIAL = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE,
      Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1.0, -1.0, 0.5,
      -2.5, Float.MAX_VALUE, -Float.MAX_VALUE, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, Double.NaN, Double.longBitsToDouble(NEGATIVE_NAN), 1e-30,
      -1e-30};
  /** Calls of each pass before the second round of checks: enough for C2 to compile them. */
  private static final int WARM_UP_CALLS = 30_000;

  @ParameterizedTest
  @CsvSource({"V256, FLOAT", "V512, FLOAT", "V256, DOUBLE", "V512, DOUBLE"})
  void reluPassesAreTheScalarFormsBitForBit(KernelPlan.Shape shape, Precision precision)
      throws ReflectiveOperationException {
    KernelPlan plan = KernelPlan.of(shape);
    String pkg = "gen.relu." + plan.id().replace("-", "")
        + (precision == Precision.FLOAT ? ".f32" : ".f64");
    JavaFile file = JavaGenerator.generate(SampleNetworks.wideRelu(precision), pkg, vector(plan));
    String source = file.toString();
    // The forward pass and the one-example step's forward call σ's pass; the one-example step's
    // propagation into the hidden layer calls σ''s.
    assertEquals(2, count(source, VectorRelu.METHOD + "(z, 0, a, 0, 70);"), "relu pass calls");
    assertEquals(1, count(source, VectorRelu.DERIVATIVE_METHOD + "(g, pz, 70);"),
        "σ' pass calls");
    Class<?> type = InMemoryCompiler.compile(List.of(file)).load(pkg + ".WideRelu");
    boolean floats = precision == Precision.FLOAT;
    Class<?> array = floats ? float[].class : double[].class;
    Method relu = type.getDeclaredMethod(VectorRelu.METHOD, array, int.class, array, int.class,
        int.class);
    Method times = type.getDeclaredMethod(VectorRelu.DERIVATIVE_METHOD, array, array, int.class);
    relu.setAccessible(true);
    times.setAccessible(true);

    checkEveryLength(relu, times, floats, new Random(7));
    // The same again once C2 has compiled the passes into vector instructions (the first round
    // ran them through the Vector API's Java fallback).
    Object z = toArray(draw(new Random(8), 100), floats);
    Object out = toArray(new double[100], floats);
    for (int i = 0; i < WARM_UP_CALLS; i++) {
      relu.invoke(null, z, 0, out, 0, 100);
      times.invoke(null, out, z, 100);
    }
    checkEveryLength(relu, times, floats, new Random(9));

    if (floats) {
      TrainableFloatNetwork vector = (TrainableFloatNetwork) type.getConstructor().newInstance();
      TrainableFloatNetwork scalar = scalarClass(SampleNetworks.wideRelu(precision), pkg);
      Random rnd = new Random(10);
      float[] x = new float[12];
      for (int t = 0; t < 50; t++) {
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) rnd.nextGaussian();
        }
        float[] label = {rnd.nextInt(3)};
        // One example: the one-example step, through both passes.
        assertEquals(scalar.trainBatch(x, label, 1), vector.trainBatch(x, label, 1), 1e-5,
            "loss of step " + t);
      }
      assertSamePredictions(scalar, vector, x);
    }
  }

  /**
   * A per-example class (a CNN) calls both passes in its dense layers' forward and backward
   * passes for every example of a batch, and trains as the scalar backend's class does.
   */
  @ParameterizedTest
  @EnumSource(value = KernelPlan.Shape.class, names = {"V256", "V512"})
  void aPerExampleClassRunsThePassesForEveryExample(KernelPlan.Shape shape)
      throws ReflectiveOperationException {
    KernelPlan plan = KernelPlan.of(shape);
    String pkg = "gen.relucnn." + plan.id().replace("-", "");
    Network network = SampleNetworks.reluCnn();
    JavaFile file = JavaGenerator.generate(network, pkg, vector(plan));
    String source = file.toString();
    assertEquals(1, count(methodBody(source, "backpropLogits"),
        VectorRelu.DERIVATIVE_METHOD + "(g, pz, 64);"), "the per-example backprop's σ' pass");
    assertEquals(1, count(methodBody(source, "forwardHidden"),
        VectorRelu.METHOD + "(z, 0, a, 0, 64);"), "the per-example forward's σ pass");
    TrainableFloatNetwork vector = (TrainableFloatNetwork) InMemoryCompiler
        .compile(List.of(file)).load(pkg + ".ReluCnn").getConstructor().newInstance();
    TrainableFloatNetwork scalar = scalarClass(network, pkg);
    Random rnd = new Random(11);
    float[] xs = new float[4 * network.inputSize()];
    float[] labels = new float[4];
    for (int t = 0; t < 30; t++) {
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) rnd.nextGaussian();
      }
      for (int i = 0; i < labels.length; i++) {
        labels[i] = rnd.nextInt(3);
      }
      assertEquals(scalar.trainBatch(xs, labels, 4), vector.trainBatch(xs, labels, 4), 1e-5,
          "loss of batch " + t);
    }
    assertSamePredictions(scalar, vector, java.util.Arrays.copyOf(xs, network.inputSize()));
  }

  private static CodegenPolicy vector(KernelPlan plan) {
    return CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR).withPlan(plan);
  }

  private static TrainableFloatNetwork scalarClass(Network network, String pkg)
      throws ReflectiveOperationException {
    return (TrainableFloatNetwork) InMemoryCompiler.compile(List.of(
            JavaGenerator.generate(network, pkg + ".scalar", CodegenPolicy.defaults())))
        .load(pkg + ".scalar." + network.name()).getConstructor().newInstance();
  }

  private static void assertSamePredictions(TrainableFloatNetwork scalar,
      TrainableFloatNetwork vector, float[] x) {
    float[] pv = new float[3];
    float[] ps = new float[3];
    // Predict switches to its own kernels after a few calls in a row: call it past that.
    for (int k = 0; k < 12; k++) {
      ((FloatNetwork) vector).predict(x, pv);
      ((FloatNetwork) scalar).predict(x, ps);
      for (int o = 0; o < 3; o++) {
        assertEquals(ps[o], pv[o], 1e-5, "call " + k + ", output " + o);
      }
    }
  }

  /**
   * Both passes against the scalar forms over every length from 0 to 100 at random offsets, the
   * relu pass out of place and in place; nothing outside a range is written.
   */
  private static void checkEveryLength(Method relu, Method times, boolean floats, Random rnd)
      throws ReflectiveOperationException {
    for (int count = 0; count <= 100; count++) {
      int zOff = rnd.nextInt(5);
      int aOff = rnd.nextInt(5);
      Object z = toArray(draw(rnd, zOff + count + 2), floats);
      Object out = toArray(new double[aOff + count + 2], floats);
      for (int i = 0; i < Array.getLength(out); i++) {
        Array.set(out, i, floats ? (Object) 7f : (Object) 7.0);
      }
      Object inPlace = copy(z, floats);
      relu.invoke(null, z, zOff, out, aOff, count);
      relu.invoke(null, inPlace, zOff, inPlace, zOff, count);
      for (int i = 0; i < Array.getLength(out); i++) {
        int k = i - aOff;
        Object expected = k >= 0 && k < count ? scalarRelu(Array.get(z, zOff + k))
            : Array.get(out, 0) instanceof Float ? (Object) 7f : (Object) 7.0;
        assertEquals(bits(expected), bits(Array.get(out, i)),
            "relu, count " + count + ", index " + i + ", z " + (k >= 0 && k < count
                ? Array.get(z, zOff + k) : "-"));
      }
      for (int i = 0; i < Array.getLength(z); i++) {
        int k = i - zOff;
        Object expected = k >= 0 && k < count ? scalarRelu(Array.get(z, i)) : Array.get(z, i);
        assertEquals(bits(expected), bits(Array.get(inPlace, i)),
            "relu in place, count " + count + ", index " + i);
      }
      Object g = toArray(draw(rnd, count + 2), floats);
      Object before = copy(g, floats);
      Object pz = toArray(draw(rnd, count + 2), floats);
      times.invoke(null, g, pz, count);
      for (int i = 0; i < Array.getLength(g); i++) {
        Object expected = i < count
            ? scalarTimesDerivative(Array.get(before, i), Array.get(pz, i))
            : Array.get(before, i);
        assertEquals(bits(expected), bits(Array.get(g, i)),
            "σ', count " + count + ", index " + i + ", g " + Array.get(before, i) + ", z "
                + Array.get(pz, i));
      }
    }
  }

  /** Special values a third of the time, else Gaussian ones of both signs. */
  private static double[] draw(Random rnd, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextInt(3) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextGaussian();
    }
    return v;
  }

  /** {@code v} in a float or double array; the negative NaN keeps its sign bit either way. */
  private static Object toArray(double[] v, boolean floats) {
    Object a = Array.newInstance(floats ? float.class : double.class, v.length);
    for (int i = 0; i < v.length; i++) {
      boolean negativeNaN = Double.doubleToRawLongBits(v[i]) == NEGATIVE_NAN;
      if (floats) {
        Array.setFloat(a, i, negativeNaN ? Float.intBitsToFloat(0xffc00001) : (float) v[i]);
      } else {
        Array.setDouble(a, i, v[i]);
      }
    }
    return a;
  }

  private static Object copy(Object a, boolean floats) {
    return floats ? ((float[]) a).clone() : ((double[]) a).clone();
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
    return v instanceof Float f ? Float.floatToRawIntBits(f)
        : Double.doubleToRawLongBits((Double) v);
  }

  private static int count(String text, String needle) {
    return text.split(Pattern.quote(needle), -1).length - 1;
  }

  /** The body of the generated method {@code name} (to its first closing brace at column 2). */
  private static String methodBody(String source, String name) {
    Matcher m = Pattern.compile("private void " + name + "\\(\\) \\{\\n").matcher(source);
    if (!m.find()) {
      throw new AssertionError("no method " + name);
    }
    return source.substring(m.end(), source.indexOf("\n  }\n", m.end()));
  }
}
