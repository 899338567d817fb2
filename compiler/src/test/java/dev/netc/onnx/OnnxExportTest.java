package dev.netc.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.netc.Frontend;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.runtime.io.Tensor;
import dev.netc.runtime.io.Weights;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code netc export}: ONNX Runtime runs the exported model and predicts what the generated class
 * predicts; importing the export gives back the same {@code .net} text and weights.
 */
class OnnxExportTest {
  static final List<String> MODELS = Fixtures.WITH_OUTPUTS;

  @ParameterizedTest
  @FieldSource("MODELS")
  void onnxRuntimeAgreesWithTheGeneratedClass(String name) throws Exception {
    OnnxImport.Result r = Fixtures.importFixture(name);
    Fixtures.Expected e = Fixtures.expected(name);
    // Fixtures with image-shaped inputs are flat for netc: the same values, row-major.
    double[] generated = Fixtures.predict(r.network(), r.weights(), e.input(), e.batch());
    byte[] onnx = export(r.network(), r.weights(), OnnxExport.DEFAULT_OPSET);
    double[] ort = runOrt(onnx, r.network(), e.input(), e.batch());
    boolean isDouble = r.network().precision() == Precision.DOUBLE;
    Fixtures.assertClose(generated, ort, isDouble ? 1e-12 : 1e-5, name);
  }

  @ParameterizedTest
  @ValueSource(ints = {9, 11, 13, 17, 21})
  void everyOpsetRunsInOnnxRuntime(int opset) throws Exception {
    OnnxImport.Result r = Fixtures.importFixture("activations");
    Fixtures.Expected e = Fixtures.expected("activations");
    double[] ort = runOrt(export(r.network(), r.weights(), opset), r.network(), e.input(),
        e.batch());
    Fixtures.assertClose(e.output(), ort, 1e-5, "opset " + opset);
  }

  @ParameterizedTest
  @FieldSource("MODELS")
  void importOfTheExportIsTheSameNetAndWeights(String name) throws OnnxException {
    OnnxImport.Result first = Fixtures.importFixture(name);
    byte[] onnx = export(first.network(), first.weights(), OnnxExport.DEFAULT_OPSET);
    OnnxImport.Result again = OnnxImport.run(onnx, "exported.onnx", name + ".net",
        OnnxImport.Options.defaults());
    assertEquals(withoutComments(first.netSource()), withoutComments(again.netSource()));
    assertEquals(first.weights(), again.weights());
  }

  @Test
  void lossAndOptimizerSurviveTheRoundTrip() throws OnnxException {
    Network net = Frontend.compile("t.net", "network T { input 3 dense 4 elu(0.5) as h "
        + "dense 2 softmax as o loss cross_entropy optimizer adam(lr = 0.003) precision double }")
        .networks().get(0);
    double[] params = new double[net.parameterCount()];
    for (int i = 0; i < params.length; i++) {
      params[i] = Math.sin(i + 1);
    }
    byte[] onnx = OnnxExport.export(IrView.of(net), params, 17);
    OnnxImport.Result back = OnnxImport.run(onnx, "t.onnx", "t.net",
        OnnxImport.Options.defaults());
    assertEquals("T", back.network().name());
    assertEquals(net.loss(), back.network().loss());
    assertEquals(net.optimizer(), back.network().optimizer());
    assertEquals(net.precision(), back.network().precision());
    assertEquals(net.layers().get(0).activation(), back.network().layers().get(0).activation());
    assertEquals(Weights.tensors(net.parameterLayout(), params), back.weights());
  }

  @ParameterizedTest
  @ValueSource(ints = {9, 11, 13, 17, 21})
  void cnnsRunInOnnxRuntimeInEveryOpset(int opset) throws Exception {
    for (String name : List.of("lenet5", "strided_cnn")) {
      OnnxImport.Result r = Fixtures.importFixture(name);
      Fixtures.Expected e = Fixtures.expected(name);
      double[] ort = runOrt(export(r.network(), r.weights(), opset), r.network(), e.input(),
          e.batch());
      Fixtures.assertClose(e.output(), ort, 1e-5, name + " opset " + opset);
    }
  }

  /**
   * A hand-written CNN: 'same' padding, a non-square kernel, strides, both pools, an implicit
   * flatten. ONNX Runtime predicts what the interpreter predicts, and the import of the export
   * is the same network but for the spelling of what ONNX writes alike, in both precisions
   * (ONNX Runtime's CPU provider has no double Conv, so only the float model runs there).
   */
  @ParameterizedTest
  @ValueSource(strings = {"float", "double"})
  void handWrittenCnnExportsAndComesBack(String precision) throws Exception {
    String source = "network Hand { input 2x9x10 "
        + "conv2d 4 3x3 (padding = same) relu as c1 "
        + "conv2d 3 3x5 (padding = same) tanh as c2 "
        + "maxpool 2x2 (stride = 1) "
        + "conv2d 5 1x3 (stride = 2, padding = 1) leaky_relu(alpha = 0.25) as c3 "
        + "avgpool 1x2 "
        + "dense 3 softmax as out loss cross_entropy precision " + precision + " }";
    Network net = Frontend.compile("hand.net", source).networks().get(0);
    double[] params = new double[net.parameterCount()];
    for (int i = 0; i < params.length; i++) {
      params[i] = (float) (0.3 * Math.sin(0.7 * i + 1));
    }
    byte[] onnx = OnnxExport.export(IrView.of(net), params, 17);
    if (precision.equals("float")) {
      int batch = 3;
      double[] x = new double[batch * net.inputSize()];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) Math.cos(0.37 * i);
      }
      double[] expected = new double[batch * net.outputSize()];
      new Interpreter(net, params).predictBatch(x, expected, batch);
      Fixtures.assertClose(expected, runOrt(onnx, net, x, batch), 1e-5, "hand");
    }
    OnnxImport.Result back = OnnxImport.run(onnx, "hand.onnx", "hand.net",
        OnnxImport.Options.defaults());
    // 'same' of a square kernel is padding 1, and the dense layer's flatten is written out.
    assertEquals("""
        network Hand {
          input 2x9x10
          conv2d 4 3x3 (padding = 1) relu as c1
          conv2d 3 3x5 (padding = same) tanh as c2
          maxpool 2x2 (stride = 1)
          conv2d 5 1x3 (stride = 2, padding = 1) leaky_relu(alpha = 0.25) as c3
          avgpool 1x2
          flatten
          dense 3 softmax as out
          loss cross_entropy
          precision %s
        }
        """.formatted(precision), withoutComments(back.netSource()));
    assertEquals(Weights.tensors(net.parameterLayout(), params).keySet(),
        back.weights().keySet());
    double[] again = Weights.doubles(back.weights(), back.network().parameterLayout(), "back");
    assertArrayEquals(params, again);
  }

  private static String withoutComments(String net) {
    return net.lines().filter(l -> !l.startsWith("//")).reduce("", (a, b) -> a + b + "\n");
  }

  static byte[] export(Network net, Map<String, Tensor> weights, int opset) {
    try {
      double[] params = Weights.doubles(weights, net.parameterLayout(), "imported");
      return OnnxExport.export(IrView.of(net), params, opset);
    } catch (dev.netc.runtime.io.SafetensorsException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Runs an ONNX model in ONNX Runtime on a [batch, input] or [batch, C, H, W] tensor; the output
   * flattened.
   */
  static double[] runOrt(byte[] onnx, Network net, double[] input, int batch)
      throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = net.input() instanceof Shape.Image i
        ? new long[] {batch, i.channels(), i.height(), i.width()}
        : new long[] {batch, net.inputSize()};
    try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions())) {
      boolean isDouble = net.precision() == Precision.DOUBLE;
      OnnxTensor x;
      if (isDouble) {
        x = OnnxTensor.createTensor(env, DoubleBuffer.wrap(input), shape);
      } else {
        float[] f = new float[input.length];
        for (int i = 0; i < f.length; i++) {
          f[i] = (float) input[i];
        }
        x = OnnxTensor.createTensor(env, FloatBuffer.wrap(f), shape);
      }
      try (x; OrtSession.Result result = session.run(Map.of("input", x))) {
        OnnxTensor y = (OnnxTensor) result.get("output").orElseThrow();
        if (isDouble) {
          DoubleBuffer b = y.getDoubleBuffer();
          double[] out = new double[b.remaining()];
          b.get(out);
          return out;
        }
        FloatBuffer b = y.getFloatBuffer();
        double[] out = new double[b.remaining()];
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get();
        }
        return out;
      }
    }
  }
}
