package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.runtime.FloatNetwork;
import dev.netc.ir.Network;
import dev.netc.runtime.NetcMath;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vector backend's tanh ({@link VectorTanh}) gives {@code NetcMath.tanh}'s bits for every
 * float it is given: a sample of the floats in [−10, 10] (every 97th bit pattern, both signs),
 * the thresholds of {@code NetcMath.tanh} and the values around them, zeros, subnormals,
 * infinities and NaN, in ranges of every length from 0 to 200 (whole blocks, whole vectors and
 * a scalar tail) at several offsets. And a wide tanh layer's forward calls it, and so does an
 * unrolled layer of 16 in predict alone.
 */
class VectorTanhTest {
  @ParameterizedTest
  @EnumSource(value = KernelPlan.Shape.class, names = {"V256", "V512"})
  void vectorTanhIsNetcMathTanhBitForBit(KernelPlan.Shape shape)
      throws ReflectiveOperationException {
    KernelPlan plan = KernelPlan.of(shape);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)
        .withPlan(plan);
    JavaFile file = JavaGenerator.generate(SampleNetworks.wideTanh(), "gen.tanh." + plan.id(), policy);
    String source = file.toString();
    assertTrue(source.contains("tanhRange(z, 0, a, 0, 70);"), "the forward calls tanhRange");
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(List.of(file));
    Class<?> type = c.load("gen.tanh." + plan.id() + ".WideTanh");
    Object net = type.getConstructor().newInstance();
    Method range = type.getDeclaredMethod(VectorTanh.METHOD, float[].class, int.class,
        float[].class, int.class, int.class);
    range.setAccessible(true);

    List<Float> values = new ArrayList<>();
    for (int bits = 0; bits <= Float.floatToRawIntBits(10f); bits += 97) {
      values.add(Float.intBitsToFloat(bits));
      values.add(-Float.intBitsToFloat(bits));
    }
    for (float edge : new float[] {0x1p-12f, 9.1f, 9.01f, 1f, 0.5f, 0.25f}) {
      for (float v : new float[] {Math.nextDown(edge), edge, Math.nextUp(edge)}) {
        values.add(v);
        values.add(-v);
      }
    }
    for (float v : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.NaN, 20f, -20f, 1e6f}) {
      values.add(v);
    }
    float[] z = new float[values.size()];
    for (int i = 0; i < z.length; i++) {
      z[i] = values.get(i);
    }
    float[] a = new float[z.length];
    range.invoke(net, z, 0, a, 0, z.length);
    for (int i = 0; i < z.length; i++) {
      float v = z[i];
      assertEquals(Float.floatToIntBits(NetcMath.tanh(v)), Float.floatToIntBits(a[i]),
          () -> "tanh of " + v);
    }

    // Every length up to 200 at offsets, in place too: nothing outside the range is written.
    Random rnd = new Random(5);
    for (int count = 0; count <= 200; count++) {
      int zOff = rnd.nextInt(9);
      int aOff = rnd.nextInt(9);
      float[] in = new float[zOff + count + 3];
      for (int i = 0; i < in.length; i++) {
        in[i] = (float) rnd.nextGaussian() * 4;
      }
      float[] out = new float[aOff + count + 3];
      java.util.Arrays.fill(out, 7f);
      range.invoke(net, in, zOff, out, aOff, count);
      float[] inPlace = in.clone();
      range.invoke(net, inPlace, zOff, inPlace, zOff, count);
      for (int i = 0; i < out.length; i++) {
        int k = i - aOff;
        float expected = k >= 0 && k < count ? NetcMath.tanh(in[zOff + k]) : 7f;
        assertEquals(expected, out[i], "count " + count + ", index " + i);
      }
      for (int i = 0; i < in.length; i++) {
        int k = i - zOff;
        float expected = k >= 0 && k < count ? NetcMath.tanh(in[i]) : in[i];
        assertEquals(expected, inPlace[i], "in place, count " + count + ", index " + i);
      }
    }

    // The forward pass through it agrees with the scalar backend's class.
    FloatNetwork vector = (FloatNetwork) net;
    FloatNetwork scalar = (FloatNetwork) InMemoryCompiler.compile(List.of(JavaGenerator.generate(
            SampleNetworks.wideTanh(), "gen.tanh.scalar." + plan.id(), CodegenPolicy.defaults())))
        .load("gen.tanh.scalar." + plan.id() + ".WideTanh").getConstructor().newInstance();
    float[] x = new float[12];
    float[] pv = new float[3];
    float[] ps = new float[3];
    for (int t = 0; t < 50; t++) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rnd.nextGaussian() * 2;
      }
      vector.predict(x, pv);
      scalar.predict(x, ps);
      for (int o = 0; o < 3; o++) {
        assertEquals(ps[o], pv[o], 1e-5, "example " + t + ", output " + o);
      }
    }
  }
  /**
   * An unrolled tanh layer of 16 outputs takes the vector tanh in predict's own forward method
   * and keeps the scalar calls in the training step's ({@link VectorTanh#MIN_PREDICT_COUNT}); a
   * class that does not train takes it in its one forward method. Either way predict and
   * predictBatch give the scalar backend's class's bits: the unrolled sums and the softmax are
   * the same code in both.
   */
  @ParameterizedTest
  @EnumSource(value = KernelPlan.Shape.class, names = {"V256", "V512"})
  void anUnrolledTanhLayerPredictsWithTheVectorTanh(KernelPlan.Shape shape)
      throws ReflectiveOperationException {
    KernelPlan plan = KernelPlan.of(shape);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)
        .withPlan(plan);
    for (boolean trainable : new boolean[] {true, false}) {
      Network network = SampleNetworks.tinyTanh(trainable);
      String pkg = "gen.tinytanh." + plan.id() + (trainable ? ".training" : ".scoring");
      JavaFile file = JavaGenerator.generate(network, pkg, policy);
      String source = file.toString();
      assertTrue(source.contains("tanhRange(z, 0, a, 0, 16);"), source);
      if (trainable) {
        assertTrue(source.contains("private void predictHidden()"), "predict's own forward");
        String training = source.substring(source.indexOf("private void forwardHidden()"));
        training = training.substring(0, training.indexOf("\n  }\n"));
        assertTrue(training.contains("NetcMath.tanh(z[15])"), training);
        assertFalse(training.contains("tanhRange"), training);
      } else {
        assertFalse(source.contains("predictHidden"), "one forward method");
      }
      FloatNetwork vector = (FloatNetwork) InMemoryCompiler.compile(List.of(file))
          .load(pkg + "." + network.name()).getConstructor().newInstance();
      FloatNetwork scalar = (FloatNetwork) InMemoryCompiler.compile(List.of(
              JavaGenerator.generate(network, pkg + ".scalar", CodegenPolicy.defaults())))
          .load(pkg + ".scalar." + network.name()).getConstructor().newInstance();
      float[] parameters = new float[4 * 16 + 16 + 16 * 3 + 3];
      scalar.getParameters(parameters);
      vector.setParameters(parameters);
      Random rnd = new Random(21);
      float[] xs = new float[4 * 40];
      for (int i = 0; i < xs.length; i++) {
        // Inputs up to ±12 reach tanh's linear, polynomial and saturated ranges.
        xs[i] = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 0.01 : 4));
      }
      float[] pv = new float[3];
      float[] ps = new float[3];
      for (int e = 0; e < 40; e++) {
        float[] x = java.util.Arrays.copyOfRange(xs, 4 * e, 4 * e + 4);
        vector.predict(x, pv);
        scalar.predict(x, ps);
        for (int o = 0; o < 3; o++) {
          assertEquals(Float.floatToIntBits(ps[o]), Float.floatToIntBits(pv[o]),
              "example " + e + ", output " + o + (trainable ? "" : ", no training"));
        }
      }
      float[] bv = new float[3 * 40];
      float[] bs = new float[3 * 40];
      vector.predictBatch(xs, bv, 40);
      scalar.predictBatch(xs, bs, 40);
      for (int i = 0; i < bv.length; i++) {
        assertEquals(Float.floatToIntBits(bs[i]), Float.floatToIntBits(bv[i]), "batch " + i);
      }
    }
  }
}
