package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.TensorSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsTest {

  @TempDir Path dir;

  /** dense1: 3 → 2, dense2: 2 → 1, as a generated class lays them out. */
  static final List<TensorSpec> LAYOUT = List.of(
      new TensorSpec("dense1.weight", new int[] {2, 3}, 0),
      new TensorSpec("dense1.bias", new int[] {2}, 6),
      new TensorSpec("dense2.weight", new int[] {1, 2}, 8),
      new TensorSpec("dense2.bias", new int[] {1}, 10));

  /** A linear two-layer network holding its parameters in one flat array, like generated code. */
  static final class FloatNet implements FloatNetwork {
    final float[] p = new float[11];

    @Override
    public int inputSize() {
      return 3;
    }

    @Override
    public int outputSize() {
      return 1;
    }

    @Override
    public int parameterCount() {
      return p.length;
    }

    @Override
    public List<TensorSpec> parameterLayout() {
      return LAYOUT;
    }

    @Override
    public void getParameters(float[] dst) {
      System.arraycopy(p, 0, dst, 0, p.length);
    }

    @Override
    public void setParameters(float[] src) {
      System.arraycopy(src, 0, p, 0, p.length);
    }

    @Override
    public void predict(float[] x, float[] out) {
      float h0 = p[0] * x[0] + p[1] * x[1] + p[2] * x[2] + p[6];
      float h1 = p[3] * x[0] + p[4] * x[1] + p[5] * x[2] + p[7];
      out[0] = p[8] * h0 + p[9] * h1 + p[10];
    }

    @Override
    public void predictBatch(float[] xs, float[] out, int batchSize) {
      float[] x = new float[3];
      float[] y = new float[1];
      for (int b = 0; b < batchSize; b++) {
        System.arraycopy(xs, 3 * b, x, 0, 3);
        predict(x, y);
        out[b] = y[0];
      }
    }
  }

  /** The double twin of {@link FloatNet}. */
  static final class DoubleNet implements DoubleNetwork {
    final double[] p = new double[11];

    @Override
    public int inputSize() {
      return 3;
    }

    @Override
    public int outputSize() {
      return 1;
    }

    @Override
    public int parameterCount() {
      return p.length;
    }

    @Override
    public List<TensorSpec> parameterLayout() {
      return LAYOUT;
    }

    @Override
    public void getParameters(double[] dst) {
      System.arraycopy(p, 0, dst, 0, p.length);
    }

    @Override
    public void setParameters(double[] src) {
      System.arraycopy(src, 0, p, 0, p.length);
    }

    @Override
    public void predict(double[] x, double[] out) {
      double h0 = p[0] * x[0] + p[1] * x[1] + p[2] * x[2] + p[6];
      double h1 = p[3] * x[0] + p[4] * x[1] + p[5] * x[2] + p[7];
      out[0] = p[8] * h0 + p[9] * h1 + p[10];
    }

    @Override
    public void predictBatch(double[] xs, double[] out, int batchSize) {
      double[] x = new double[3];
      double[] y = new double[1];
      for (int b = 0; b < batchSize; b++) {
        System.arraycopy(xs, 3 * b, x, 0, 3);
        predict(x, y);
        out[b] = y[0];
      }
    }
  }

  private static FloatNet floatNet() {
    FloatNet net = new FloatNet();
    for (int i = 0; i < net.p.length; i++) {
      net.p[i] = (i - 5) * 0.37f;
    }
    return net;
  }

  @Test
  void savedWeightsLoadIntoAFreshNetworkAndPredictTheSame() throws IOException {
    FloatNet a = floatNet();
    Path p = dir.resolve("w.safetensors");
    Weights.save(p, a);
    Map<String, Tensor> file = Safetensors.read(p);
    assertEquals(Dtype.F32, file.get("dense1.weight").dtype());
    assertArrayEquals(new int[] {2, 3}, file.get("dense1.weight").shape());
    assertArrayEquals(new float[] {a.p[0], a.p[1], a.p[2], a.p[3], a.p[4], a.p[5]},
        file.get("dense1.weight").toFloatArray());

    FloatNet b = new FloatNet();
    Weights.load(p, b);
    assertArrayEquals(a.p, b.p);
    float[] ya = new float[1];
    float[] yb = new float[1];
    a.predict(new float[] {1, -2, 0.5f}, ya);
    b.predict(new float[] {1, -2, 0.5f}, yb);
    assertEquals(ya[0], yb[0]);

    // The same file loads into a double network (exact widening) and back.
    DoubleNet d = new DoubleNet();
    Weights.load(p, d);
    for (int i = 0; i < 11; i++) {
      assertEquals((double) a.p[i], d.p[i]);
    }
    Path p64 = dir.resolve("w64.safetensors");
    Weights.save(p64, d);
    assertEquals(Dtype.F64, Safetensors.read(p64).get("dense2.bias").dtype());
    FloatNet c = new FloatNet();
    try (var in = Files.newInputStream(p64)) {
      Weights.load(in, "w64.safetensors", c);
    }
    assertArrayEquals(a.p, c.p);
  }

  @Test
  void gradientsAndLossCanBeWrittenWithTheSameLayout() throws IOException {
    double[] grad = new double[11];
    for (int i = 0; i < grad.length; i++) {
      grad[i] = 1.0 / (i + 1);
    }
    Map<String, Tensor> out = new LinkedHashMap<>(Weights.tensors(LAYOUT, grad));
    out.put("loss", Tensor.scalar(Dtype.F64, 0.75));
    Path p = dir.resolve("g.safetensors");
    Safetensors.write(p, out);
    Map<String, Tensor> back = Safetensors.read(p);
    assertEquals(0.75, back.get("loss").get(0));
    back.remove("loss");
    assertArrayEquals(grad, Weights.doubles(back, LAYOUT, "g"));
  }

  private static void assertLoadFails(Map<String, Tensor> tensors, String expected)
      throws IOException {
    FloatNet net = floatNet();
    float[] before = net.p.clone();
    byte[] bytes = Safetensors.encode(tensors, Map.of());
    SafetensorsException e = assertThrows(SafetensorsException.class,
        () -> Weights.load(new ByteArrayInputStream(bytes), "w.safetensors", net));
    assertEquals(expected, e.getMessage());
    assertArrayEquals(before, net.p, "a failed load leaves the network unchanged");
    DoubleNet d = new DoubleNet();
    SafetensorsException e2 = assertThrows(SafetensorsException.class,
        () -> Weights.load(new ByteArrayInputStream(bytes), "w.safetensors", d));
    assertEquals(expected, e2.getMessage());
  }

  @Test
  void missingExtraAndMisshapenTensorsAreNamedAndNothingIsLoaded() throws IOException {
    Map<String, Tensor> good = Weights.tensors(floatNet());

    Map<String, Tensor> missing = new LinkedHashMap<>(good);
    missing.remove("dense2.bias");
    assertLoadFails(missing, "w.safetensors: does not match the network: "
        + "missing tensor 'dense2.bias'");

    Map<String, Tensor> renamed = new LinkedHashMap<>(good);
    renamed.put("0.weight", renamed.remove("dense1.weight"));
    renamed.put("0.bias", renamed.remove("dense1.bias"));
    assertLoadFails(renamed, "w.safetensors: does not match the network: "
        + "missing tensors 'dense1.weight', 'dense1.bias'; "
        + "unexpected tensors '0.bias', '0.weight'");

    Map<String, Tensor> transposed = new LinkedHashMap<>(good);
    transposed.put("dense1.weight", Tensor.ofFloats(new int[] {3, 2}, new float[6]));
    transposed.put("dense2.bias", Tensor.scalar(Dtype.F32, 1));
    assertLoadFails(transposed, "w.safetensors: does not match the network: "
        + "tensor 'dense1.weight' has shape [3, 2] but the network expects [2, 3], "
        + "'dense2.bias' has shape [] but the network expects [1]");

    Map<String, Tensor> tooBigForFloat = new LinkedHashMap<>(good);
    tooBigForFloat.put("dense2.weight", Tensor.ofDoubles(new int[] {1, 2},
        new double[] {1, 1e300}));
    FloatNet net = floatNet();
    float[] before = net.p.clone();
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> Weights.load(
        new ByteArrayInputStream(Safetensors.encode(tooBigForFloat, Map.of())), "w", net));
    assertEquals("w: tensor 'dense2.weight' has value 1.0E300 at index [0, 1], "
        + "which is out of float range", e.getMessage());
    assertArrayEquals(before, net.p);
  }

  @Test
  void aNanInTheFileLeavesTheNetworkUntouched() throws IOException {
    float[] flat = floatNet().p.clone();
    flat[7] = Float.NaN;
    Path p = dir.resolve("nan.safetensors");
    Safetensors.write(p, Weights.tensors(LAYOUT, flat));
    FloatNet net = floatNet();
    float[] before = net.p.clone();
    SafetensorsException e =
        assertThrows(SafetensorsException.class, () -> Weights.load(p, net));
    assertEquals(p + ": tensor 'dense1.bias' has value NaN at index [1]", e.getMessage());
    assertArrayEquals(before, net.p);
  }
}
