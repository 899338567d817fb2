package dev.netc.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.ir.Conv2d;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The interpreter against PyTorch 1.13 on a fixed CNN with fixed weights (torch/cross.net): the
 * outputs, the loss and every parameter's gradient, the conv layers' init fans, and max
 * pooling's tie rule. The expected
 * numbers come from torch/cnn_crosscheck.py (rerun it to regenerate cnn_crosscheck.json).
 */
class TorchCrossCheckTest {
  private static final double TOLERANCE = 1e-12;

  @Test
  void outputsLossAndGradientsMatchPyTorch() throws IOException {
    String expected = resource("cnn_crosscheck.json");
    FrontendResult front = Frontend.compile("cross.net", resource("cross.net"));
    assertTrue(front.networks().size() == 1, front.renderDiagnostics());
    Network net = front.networks().get(0);
    int n = net.parameterCount();
    assertEquals(n, (int) numbers(expected, "parameterCount")[0]);
    double[] params = new double[n];
    for (int i = 0; i < n; i++) {
      params[i] = 0.5 * Math.sin(0.37 * i + 0.1); // the script's formula, in state_dict order
    }
    double[] fans = numbers(expected, "convFans");
    for (int c = 0; c < 2; c++) {
      Conv2d conv = (Conv2d) net.layers().get(c);
      assertEquals(fans[2 * c], conv.fanIn(), conv.name() + " fan-in");
      assertEquals(fans[2 * c + 1], conv.fanOut(), conv.name() + " fan-out");
    }
    double[] xs = numbers(expected, "inputs");
    double[] ts = numbers(expected, "targets");
    int batch = ts.length;
    Interpreter interp = new Interpreter(net, params);
    double[] out = new double[batch * net.outputSize()];
    interp.predictBatch(xs, out, batch);
    assertClose(numbers(expected, "outputs"), out, "outputs");
    double[] grad = new double[n];
    double loss = interp.gradient(xs, ts, batch, grad);
    assertEquals(numbers(expected, "loss")[0], loss, TOLERANCE, "loss");
    assertClose(numbers(expected, "gradient"), grad, "gradient");
  }

  @Test
  void maxPoolingBreaksTiesAsPyTorch() throws IOException {
    String expected = resource("cnn_crosscheck.json");
    Shape.Image in = new Shape.Image(1, 4, 5);
    MaxPool2d layer = new MaxPool2d("mp", 0, in, Window.unpadded(3, 3, 1, 1));
    MaxPool2dRun pass = new MaxPool2dRun(layer, Precision.DOUBLE);
    double[] z = new double[layer.outSize()];
    pass.forward(new double[0], numbers(expected, "tieInput"), z);
    assertArrayEquals(numbers(expected, "tiePooled"), z, 0.0);
    double[] dIn = new double[in.size()];
    pass.backward(new double[0], numbers(expected, "tieInput"), numbers(expected,
        "tieUpstream"), new double[0], dIn);
    assertArrayEquals(numbers(expected, "tieInputGradient"), dIn, 0.0);
  }

  private static void assertClose(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + " length");
    for (int i = 0; i < expected.length; i++) {
      double scale = Math.max(1, Math.abs(expected[i]));
      assertEquals(expected[i], actual[i], TOLERANCE * scale, what + "[" + i + "] of "
          + Arrays.toString(actual));
    }
  }

  /** The number or array of numbers under {@code key} in the script's JSON. */
  private static double[] numbers(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\": (\\[[^\\]]*\\]|[-0-9.eE+]+)").matcher(json);
    assertTrue(m.find(), "no " + key);
    String body = m.group(1).replace("[", "").replace("]", "").strip();
    return Arrays.stream(body.split(",")).map(String::strip).mapToDouble(Double::parseDouble)
        .toArray();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = TorchCrossCheckTest.class.getResourceAsStream("/torch/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
