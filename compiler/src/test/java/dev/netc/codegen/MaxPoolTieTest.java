package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Max pooling over exact ties: z = x0 + x1 of a 1x1 convolution with weights 1 is the same for
 * inputs (1, 2) and (2, 1), so the weight gradient tells which of two tied positions got the
 * delta (δ·1 or δ·2 for each weight). The generated kernels pick the first maximum without a
 * branch (the sign of max - v); they must route every delta exactly as the interpreter
 * (PyTorch's rule: the first maximum in row-major window order).
 */
class MaxPoolTieTest {

  private static final String SOURCE = """
      network Ties {
        input 2x4x4
        conv2d 1 1x1 relu
        maxpool 2x2
        dense 2 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.1)
        precision %s
      }
      """;

  /** Channel 0, then channel 1, row-major: each 2x2 window has tied maxima of z = x0 + x1. */
  private static final double[] IMAGE = {
      // x0
      1, 2, 1, 1,
      0.5, 1, 2, 1,
      1, 0.5, 3, 3,
      2, 1, 0, 2,
      // x1
      2, 1, 0, 2,
      0.5, 0, 1, 1,
      1, 0.5, 0, 0,
      1, 2, 3, 1};

  @ParameterizedTest
  @EnumSource(CodegenPolicy.Backend.class)
  void tiesGoToTheFirstMaximumAsInTheInterpreter(CodegenPolicy.Backend backend) {
    for (String precision : List.of("float", "double")) {
      Network net = Frontend.compile("ties.net", SOURCE.formatted(precision)).networks().get(0);
      // conv1.weight [1, 1], conv1.bias 0, dense1.weight [2, 4], dense1.bias [2].
      double[] params = {1, 1, 0, 0.5, -0.25, 0.125, 0.75, -0.5, 0.25, -0.125, 0.375, 0, 0};
      assertEquals(net.parameterCount(), params.length);
      Generated gen = Generated.compile(List.of(net), "gen.ties",
          CodegenPolicy.defaults().withBackend(backend)).get(0);
      gen.setParameters(params);
      Interpreter ref = new Interpreter(net, params);
      double[] ts = {1};
      double[] grad = new double[params.length];
      double[] refGrad = new double[params.length];
      double loss = gen.gradient(IMAGE, ts, 1, grad);
      assertEquals(ref.gradient(IMAGE, ts, 1, refGrad), loss, 1e-6 * Math.abs(loss));
      assertTrue(refGrad[0] != refGrad[1], "the ties decide the conv weights' gradient");
      double tolerance = precision.equals("float") ? 1e-6 : 1e-14;
      assertArrayEquals(refGrad, grad, tolerance, backend + " " + precision + ": "
          + Arrays.toString(grad) + " vs " + Arrays.toString(refGrad));
    }
  }
}
