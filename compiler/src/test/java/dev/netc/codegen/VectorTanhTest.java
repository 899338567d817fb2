package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.ir.Precision;
import dev.netc.runtime.FloatNetwork;
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
 * infinities and NaN, in ranges of every length from 0 to 200 (whole vectors and a scalar tail) at several offsets. And a wide tanh layer's forward calls it.
 */
class VectorTanhTest {
  @ParameterizedTest
  @EnumSource(value = KernelPlan.Shape.class, names = {"V256", "V512"})
  void vectorTanhIsNetcMathTanhBitForBit(KernelPlan.Shape shape)
      throws ReflectiveOperationException {
    KernelPlan plan = KernelPlan.of(shape);
    CodegenPolicy policy = vectorPolicy(plan);
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
    for (float edge : new float[] {0x1p-12f, 0.625f, 9.1f, 9.01f, 1f, 0.5f, 0.25f}) {
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
   * Every float vector class, a relu network's too, starts with the Vector API's warm-up
   * ({@link VectorTanh#staticBlock}: the JVM's first such class runs its tanh kernel a few
   * times); the double and scalar classes have none. The warm-up runs and leaves nothing behind
   * (called again here: this JVM's first vector class has claimed the real one).
   */
  @ParameterizedTest
  @EnumSource(value = KernelPlan.Shape.class, names = {"V256", "V512"})
  void floatVectorClassesWarmTheVectorApiUp(KernelPlan.Shape shape)
      throws ReflectiveOperationException {
    KernelPlan plan = KernelPlan.of(shape);
    CodegenPolicy vector = vectorPolicy(plan);
    String pkg = "gen.warm." + plan.id();
    JavaFile file = JavaGenerator.generate(SampleNetworks.wideRelu(Precision.FLOAT), pkg, vector);
    String source = file.toString();
    assertTrue(source.contains("if (VectorWarmUp.claim(\"float\")) {\n      "
        + VectorTanh.WARM_UP + "();"), source);
    assertTrue(source.contains("private static void " + VectorTanh.METHOD + "("),
        "the kernel is in the class, though the network has no tanh");
    for (String other : List.of(
        JavaGenerator.generate(SampleNetworks.wideRelu(Precision.DOUBLE), pkg, vector).toString(),
        JavaGenerator.generate(SampleNetworks.wideRelu(Precision.FLOAT), pkg,
            CodegenPolicy.defaults()).toString())) {
      assertFalse(other.contains("VectorWarmUp"), other);
    }
    Class<?> type = InMemoryCompiler.compile(List.of(file)).load(pkg + ".WideRelu");
    Method warmUp = type.getDeclaredMethod(VectorTanh.WARM_UP);
    warmUp.setAccessible(true);
    warmUp.invoke(null);
    FloatNetwork net = (FloatNetwork) type.getConstructor().newInstance();
    float[] out = new float[net.outputSize()];
    net.predict(new float[net.inputSize()], out);
    assertEquals(1f, out[0] + out[1] + out[2], 1e-5f, "softmax outputs");
  }

  /** The vector backend's policy with {@code plan}. */
  private static CodegenPolicy vectorPolicy(KernelPlan plan) {
    return CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR).withPlan(plan);
  }
}
