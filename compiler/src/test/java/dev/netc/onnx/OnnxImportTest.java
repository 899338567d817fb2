package dev.netc.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.io.Dtype;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.api.Test;

/**
 * PyTorch-exported models (compiler/src/test/resources/onnx, made by make_fixtures.py): imported,
 * generated, compiled and run, they predict what PyTorch computed.
 */
class OnnxImportTest {
  static final List<String> MODELS = Fixtures.WITH_OUTPUTS;

  @ParameterizedTest
  @FieldSource("MODELS")
  void generatedClassPredictsWhatPyTorchComputed(String name) throws OnnxException {
    OnnxImport.Result r = Fixtures.importFixture(name);
    Fixtures.Expected e = Fixtures.expected(name);
    double[] y = Fixtures.predict(r.network(), r.weights(), e.input(), e.batch());
    double[] expected = e.output().clone();
    if (name.equals("log_softmax")) {
      // LogSoftmax becomes softmax: netc predicts the probabilities.
      for (int i = 0; i < expected.length; i++) {
        expected[i] = Math.exp(expected[i]);
      }
    }
    boolean isDouble = r.network().precision() == Precision.DOUBLE;
    Fixtures.assertClose(expected, y, isDouble ? 1e-12 : 1e-5, name);
    assertEquals(e.outputShape()[1], r.network().outputSize());
    double[] interpreted = Fixtures.interpret(r.network(), r.weights(), e.input(), e.batch());
    Fixtures.assertClose(expected, interpreted, isDouble ? 1e-12 : 1e-5, name + " interpreted");
  }

  @Test
  void leNet5BecomesTheExampleNetwork() throws OnnxException {
    OnnxImport.Result r = Fixtures.importFixture("lenet5");
    // relu(max_pool(conv2)) in PyTorch: the relu goes to conv2, before its max pooling.
    assertEquals("""
        // Imported by netc import from lenet5.onnx (made by pytorch 1.13.0, opset 13).
        // ONNX ops mapped: Conv, Relu, MaxPool, Flatten, Gemm, Softmax.
        network Lenet5 {
          input 1x28x28
          conv2d 6 5x5 relu as conv1
          maxpool 2x2
          conv2d 16 5x5 relu as conv2
          maxpool 2x2
          flatten
          dense 120 relu as fc1
          dense 84 relu as fc2
          dense 10 softmax as fc3
          precision float
        }
        """, r.netSource());
    assertTrue(r.weights().get("conv2.weight").hasShape(16, 6, 5, 5));
    assertTrue(r.weights().get("conv2.bias").hasShape(16));
    assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"),
        List.copyOf(r.weights().keySet()));
  }

  @Test
  void stridesPaddingAndPoolingKeepTheirSizes() throws OnnxException {
    OnnxImport.Result r = Fixtures.importFixture("strided_cnn");
    // padding=(1, 2) of a 3x5 kernel at stride 1 is netc's 'same'; the zero Pad PyTorch writes
    // before AveragePool disappears.
    assertTrue(r.netSource().contains("""
          input 2x15x19
          conv2d 4 3x5 (stride = 2, padding = 1) elu(alpha = 0.5) as conv1
          avgpool 2x2
          conv2d 3 3x5 (padding = same) tanh as conv2
          maxpool 3x3 (stride = 1)
          flatten
          dense 4 identity as fc
        """), r.netSource());
    OnnxImport.Result v = Fixtures.importFixture("cnn_view");
    // adaptive_avg_pool2d(x, 1) is a GlobalAveragePool: an average over the whole 2x2 image.
    assertTrue(v.netSource().contains("  conv2d 4 2x2 (stride = 2) relu as conv2\n"
        + "  avgpool 2x2\n  flatten\n  dense 2 identity as fc\n"), v.netSource());
    OnnxImport.Result f = Fixtures.importFixture("cnn_flatten");
    // nn.Sequential names its tensors net.0.weight: netc's default names.
    assertTrue(f.netSource().contains("  input 2x6x7\n  conv2d 3 3x3 (padding = 1) relu as conv1"
        + "\n  maxpool 2x2\n  flatten\n  dense 2 identity as dense1\n"), f.netSource());
  }

  @Test
  void batchNormFoldsIntoTheConvolutionBefore() throws OnnxException {
    OnnxImport.Result r = Fixtures.importFixture("conv_batchnorm");
    assertTrue(r.netSource().contains("ONNX ops mapped: Conv, BatchNormalization, LeakyRelu, "
        + "MaxPool, Sigmoid, Flatten, Gemm."), r.netSource());
    assertTrue(r.netSource().contains("  conv2d 5 3x3 (padding = 1) leaky_relu(alpha = 0.1) as "
        + "conv1\n  maxpool 2x2\n  conv2d 4 3x3 sigmoid as conv2\n"), r.netSource());
    // conv1 has no bias in PyTorch; the folded batch norm gives it one.
    assertTrue(r.weights().get("conv1.bias").hasShape(5));
    assertTrue(Arrays.stream(r.weights().get("conv1.bias").data()).anyMatch(b -> b != 0));
  }

  @Test
  void everyActivationMapsToItsDslForm() throws OnnxException {
    OnnxImport.Result r = Fixtures.importFixture("activations");
    String layers = r.network().layers().stream()
        .map(l -> l.name() + " " + l.activation().describe())
        .collect(Collectors.joining("; "));
    assertEquals("fc1 relu; fc2 leaky_relu(alpha = 0.2); "
        + "fc3 elu(alpha = 0.7); fc4 sigmoid; fc5 tanh; fc6 softplus; "
        + "out identity", layers);
    assertTrue(r.netSource().contains("  dense 8 leaky_relu(alpha = 0.2) as fc2\n"),
        r.netSource());
    assertTrue(r.netSource().startsWith("// Imported by netc import from activations.onnx "
        + "(made by pytorch 1.13.0, opset 13).\n// ONNX ops mapped: Gemm, Relu, LeakyRelu, Elu, "
        + "Sigmoid, Tanh, Softplus.\nnetwork Activations {\n  input 6\n"), r.netSource());
    assertEquals(List.of(), r.notes());
  }

  @Test
  void weightsUseNetcNamesAndPyTorchLayouts() throws OnnxException {
    OnnxImport.Result r = Fixtures.importFixture("matmul_add");
    // x @ w has no layer name: the default; head.weight names its layer.
    assertEquals(List.of("dense1.weight", "dense1.bias", "head.weight", "head.bias"),
        List.copyOf(r.weights().keySet()));
    assertTrue(r.weights().get("dense1.weight").hasShape(6, 4));
    assertEquals(Dtype.F32, r.weights().get("head.bias").dtype());
    OnnxImport.Result d = Fixtures.importFixture("mlp_double");
    assertEquals(Precision.DOUBLE, d.network().precision());
    assertEquals(Dtype.F64, d.weights().get("hidden.weight").dtype());
  }

  @Test
  void batchNormFoldsIntoThePrecedingLayer() throws OnnxException {
    OnnxImport.Result r = Fixtures.importFixture("batchnorm");
    Network n = r.network();
    assertEquals(List.of("fc1", "fc2"), n.layers().stream().map(l -> l.name()).toList());
    assertTrue(r.netSource().contains("ONNX ops mapped: Gemm, BatchNormalization, Relu, Gemm,"
        .replace(", Gemm,", ",")), r.netSource());
  }

  @Test
  void logSoftmaxBecomesSoftmaxWithANote() throws OnnxException {
    OnnxImport.Result r = Fixtures.importFixture("log_softmax");
    assertEquals("softmax", r.network().outputLayer().activation().keyword());
    assertEquals(1, r.notes().size());
    assertTrue(r.notes().get(0).startsWith("LogSoftmax became softmax"), r.notes().get(0));
    assertTrue(r.netSource().contains("// LogSoftmax became softmax"), r.netSource());
  }

  @Test
  void viewFlattenFoldsItsShapeChain() throws OnnxException {
    OnnxImport.Result r = Fixtures.importFixture("view_flatten");
    assertEquals(16, r.network().inputSize());
    assertTrue(r.netSource().contains("Shape, Constant, Gather, Unsqueeze, Concat, Reshape, "
        + "Gemm, Relu"), r.netSource());
  }

  @Test
  void optionsWriteLossOptimizerPrecisionAndName() throws OnnxException {
    OnnxImport.Result r = OnnxImport.run(Fixtures.onnx("softmax"), "softmax.onnx", "s.net",
        new OnnxImport.Options("Classifier", "double", "cross_entropy",
            "adam(lr = 0.002)"));
    assertEquals("Classifier", r.network().name());
    assertEquals(Precision.DOUBLE, r.network().precision());
    assertEquals("cross_entropy", r.network().loss().orElseThrow().keyword());
    assertEquals(0.002, r.network().optimizer().lr());
    assertTrue(r.netSource().contains("  loss cross_entropy\n  optimizer adam(lr = 0.002)\n"
        + "  precision double\n}\n"), r.netSource());
  }

  @Test
  void badOptionsAreClearErrors() {
    OnnxException loss = assertThrows(OnnxException.class, () -> OnnxImport.run(
        Fixtures.onnx("activations"), "a.onnx", "a.net",
        new OnnxImport.Options(null, null, "cross_entropy", null)));
    assertTrue(loss.getMessage().startsWith("the imported network is not a valid netc network: "),
        loss.getMessage());
    assertTrue(loss.getMessage().contains("softmax"), loss.getMessage());
    OnnxException injected = assertThrows(OnnxException.class, () -> OnnxImport.run(
        Fixtures.onnx("activations"), "a.onnx", "a.net",
        new OnnxImport.Options(null, null, "mse\n}\nnetwork Evil { input 1 dense 1 relu", null)));
    assertTrue(injected.getMessage().startsWith("--loss 'mse?}?network Evil"),
        injected.getMessage());
    OnnxException name = assertThrows(OnnxException.class, () -> OnnxImport.run(
        Fixtures.onnx("activations"), "String.onnx", "a.net", OnnxImport.Options.defaults()));
    assertTrue(name.getMessage().contains("choose a name with --name"), name.getMessage());
    OnnxException precision = assertThrows(OnnxException.class, () -> OnnxImport.run(
        Fixtures.onnx("activations"), "a.onnx", "a.net",
        new OnnxImport.Options(null, "half", null, null)));
    assertEquals("precision 'half' is neither float nor double", precision.getMessage());
  }

  @Test
  void residualAddIsRefusedAtItsNode() {
    assertEquals("node '/Add' (Add), node 4 of 4: adds two computed tensors: residual "
        + "connections are not supported yet", failure("residual_add"));
  }

  @Test
  void lstmIsRefusedWithTheSupportedOps() {
    assertEquals("node '/lstm/LSTM' (LSTM), node 11 of 17: netc does not import this op (the "
        + "graph also uses ConstantOfShape, Transpose, Squeeze); it imports "
        + String.join(", ", SupportedOps.SUPPORTED), failure("lstm"));
  }

  @Test
  void groupedConvolutionIsRefusedAtItsNode() {
    assertEquals("node '/conv1/Conv' (Conv), node 1 of 3: is a grouped convolution (group = 2);"
        + " netc's conv2d supports group 1 only", failure("grouped_conv"));
  }

  private static String failure(String fixture) {
    return assertThrows(OnnxException.class, () -> Fixtures.importFixture(fixture)).getMessage();
  }

  @Test
  void fileNamesGiveNetworkNames() {
    assertEquals("ViewFlatten", NetSource.networkName("view_flatten.onnx"));
    assertEquals("MyMlp2", NetSource.networkName("my-mlp2.onnx"));
    assertEquals("Net2layer", NetSource.networkName("2layer.onnx"));
    assertEquals("", NetSource.networkName("ü.onnx"));
  }
}
