package dev.netc.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.netc.Frontend;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
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

  /** Runs an ONNX model in ONNX Runtime on a [batch, input] tensor; the output flattened. */
  static double[] runOrt(byte[] onnx, Network net, double[] input, int batch)
      throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {batch, net.inputSize()};
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
