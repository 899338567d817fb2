package dev.netc.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.io.SafetensorsException;
import dev.netc.runtime.io.Tensor;
import dev.netc.runtime.io.Weights;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The committed ONNX fixtures (see make_fixtures.py) and what the tests do with them. */
final class Fixtures {
  /** Models with expected outputs. */
  static final List<String> WITH_OUTPUTS = List.of("activations", "softmax", "log_softmax",
      "batchnorm", "view_flatten", "flatten", "matmul_add", "mlp_double", "conv", "lenet5",
      "strided_cnn", "conv_batchnorm", "cnn_view", "cnn_flatten");

  /** The convolutional models among them. */
  static final List<String> CNNS = List.of("conv", "lenet5", "strided_cnn", "conv_batchnorm",
      "cnn_view", "cnn_flatten");

  private Fixtures() {}

  /** The bytes of {@code onnx/NAME.onnx}. */
  static byte[] onnx(String name) {
    return resource("/onnx/" + name + ".onnx");
  }

  static byte[] resource(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new AssertionError("missing test resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What PyTorch computed: inputs and outputs (flat, row-major) and their shapes. */
  record Expected(int[] inputShape, double[] input, int[] outputShape, double[] output) {
    int batch() {
      return inputShape[0];
    }
  }

  /** The expected outputs of {@code onnx/NAME.json}. */
  static Expected expected(String name) {
    String json = new String(resource("/onnx/" + name + ".json"), StandardCharsets.UTF_8);
    double[] inShape = array(json, "input_shape");
    double[] outShape = array(json, "output_shape");
    return new Expected(Arrays.stream(inShape).mapToInt(d -> (int) d).toArray(),
        array(json, "input"), Arrays.stream(outShape).mapToInt(d -> (int) d).toArray(),
        array(json, "output"));
  }

  private static double[] array(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\": \\[([^\\]]*)\\]").matcher(json);
    assertTrue(m.find(), key);
    return Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .mapToDouble(Double::parseDouble).toArray();
  }

  /** Imports a fixture with default options. */
  static OnnxImport.Result importFixture(String name) throws OnnxException {
    return OnnxImport.run(onnx(name), name + ".onnx", name + ".net",
        OnnxImport.Options.defaults());
  }

  /**
   * Generates the network's class (scalar backend), compiles it in memory, loads the weights and
   * predicts {@code batch} examples.
   */
  static double[] predict(Network net, Map<String, Tensor> weights, double[] input, int batch) {
    JavaFile file = JavaGenerator.generate(net, "onnxtest", CodegenPolicy.defaults());
    InMemoryCompiler.Compiled compiled = InMemoryCompiler.compile(List.of(file));
    assertEquals(List.of(), compiled.warnings());
    Object instance;
    try {
      instance = compiled.load("onnxtest." + net.name()).getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
    int outputs = net.outputSize();
    try {
      if (net.precision() == Precision.FLOAT) {
        FloatNetwork f = (FloatNetwork) instance;
        f.setParameters(Weights.floats(weights, net.parameterLayout(), "imported"));
        float[] x = new float[input.length];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) input[i];
        }
        float[] y = new float[batch * outputs];
        f.predictBatch(x, y, batch);
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
          out[i] = y[i];
        }
        return out;
      }
      DoubleNetwork d = (DoubleNetwork) instance;
      d.setParameters(Weights.doubles(weights, net.parameterLayout(), "imported"));
      double[] y = new double[batch * outputs];
      d.predictBatch(input, y, batch);
      return y;
    } catch (SafetensorsException e) {
      throw new AssertionError(e);
    }
  }

  /** The interpreter's predictions of {@code batch} examples with the imported weights. */
  static double[] interpret(Network net, Map<String, Tensor> weights, double[] input,
      int batch) {
    try {
      Interpreter interpreter = new Interpreter(net,
          Weights.doubles(weights, net.parameterLayout(), "imported"));
      double[] y = new double[batch * net.outputSize()];
      interpreter.predictBatch(input, y, batch);
      return y;
    } catch (SafetensorsException e) {
      throw new AssertionError(e);
    }
  }

  /** Asserts {@code |a - e| <= tol · max(1, |e|)} element by element. */
  static void assertClose(double[] expected, double[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
      if (!(err <= tol)) {
        throw new AssertionError(what + ": index " + i + " expected " + expected[i] + " got "
            + actual[i] + " (relative error " + err + ")");
      }
    }
  }
}
