package dev.netc.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Activation;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.WeightInit;
import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Loss values and gradients on networks small enough to compute by hand, and their stability. */
class LossTest {
  private static final double LN2 = Math.log(2);
  private static final double LN3 = Math.log(3);
  private static final double LN6 = Math.log(6);

  /** A chain of dense layers with the given sizes and activations. */
  static Network net(Precision p, Loss loss, int[] sizes, Activation... acts) {
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < acts.length; i++) {
      layers.add(new Dense("dense" + (i + 1), i, sizes[i], sizes[i + 1], acts[i],
          new WeightInit(Init.Scheme.XAVIER, 0)));
    }
    return new Network("hand", "hand.net", sizes[0], layers, Optional.ofNullable(loss),
        new Optimizer.Sgd(0.1, 0, false, 0), 1L, p);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void mseMeansOverBatchAndOutputsWithoutHalf(Precision p) {
    // y = x (W = I, b = 0): squared errors 1, 4, 4, 9 over 2 examples × 2 outputs.
    double[] identity = {1, 0, 0, 1, 0, 0};
    double[] xs = {1, 2, 3, 4};
    double[] ts = {0, 0, 1, 1};
    Interpreter mean = new Interpreter(
        net(p, new Loss.Mse(LossReduction.MEAN), new int[] {2, 2}, new Activation.Identity()),
        identity);
    Interpreter sum = new Interpreter(
        net(p, new Loss.Mse(LossReduction.SUM), new int[] {2, 2}, new Activation.Identity()),
        identity);
    assertEquals(18.0 / 4, mean.loss(xs, ts, 2), 0.0);
    assertEquals(18.0, sum.loss(xs, ts, 2), 0.0);
    double[] g = new double[6];
    mean.gradient(xs, ts, 2, g);
    // dC/dW_jk = (2/4) Σ_b (y_j - t_j) x_k, dC/db_j = (2/4) Σ_b (y_j - t_j).
    assertArrayEquals(new double[] {0.5 * (1 + 6), 0.5 * (2 + 8), 0.5 * (2 + 9), 0.5 * (4 + 12),
        0.5 * 3, 0.5 * 5}, g, 0.0);
    sum.gradient(xs, ts, 2, g);
    assertArrayEquals(new double[] {14, 20, 22, 32, 6, 10}, g, 0.0);
  }

  @Test
  void hiddenLayerGradientByHand() {
    // x = 1 → z1 = 0.5 → a1 = tanh 0.5 → y = 2 a1, target 0, C = y².
    Interpreter in = new Interpreter(net(Precision.DOUBLE, new Loss.Mse(LossReduction.MEAN),
        new int[] {1, 1, 1}, new Activation.Tanh(), new Activation.Identity()),
        new double[] {0.5, 0, 2, 0});
    double a1 = Math.tanh(0.5);
    double y = 2 * a1;
    double[] g = new double[4];
    assertEquals(y * y, in.gradient(new double[] {1}, new double[] {0}, 1, g), 1e-15);
    double dz1 = 2 * y * 2 * (1 - a1 * a1);
    assertArrayEquals(new double[] {dz1, dz1, 2 * y * a1, 2 * y}, g, 1e-15);
  }

  @ParameterizedTest
  @EnumSource(LossReduction.class)
  void binaryCrossEntropyByHand(LossReduction r) {
    // z = x: z = 0 gives log 2 whatever the target; z = ln 3 gives a = 3/4, -log(3/4) for t = 1.
    Interpreter in = new Interpreter(net(Precision.DOUBLE, new Loss.BinaryCrossEntropy(r),
        new int[] {1, 1}, new Activation.Sigmoid()), new double[] {1, 0});
    double total = LN2 - Math.log(0.75);
    double expected = r == LossReduction.SUM ? total : total / 2;
    double[] g = new double[2];
    assertEquals(expected, in.gradient(new double[] {0, LN3}, new double[] {1, 1}, 2, g), 1e-15);
    // Fused δ = a - t: (0.5 - 1) and (0.75 - 1).
    double db = (r == LossReduction.SUM ? 1 : 0.5) * (-0.5 - 0.25);
    assertArrayEquals(new double[] {(r == LossReduction.SUM ? 1 : 0.5) * (-0.25 * LN3), db}, g,
        1e-15);
  }

  @ParameterizedTest
  @EnumSource(LossReduction.class)
  void crossEntropyMeansOverTheBatchOnly(LossReduction r) {
    // W = 0, b = (0, ln 2, ln 3): softmax (1/6, 2/6, 3/6) for every input.
    Interpreter in = new Interpreter(net(Precision.DOUBLE, new Loss.CrossEntropy(r),
        new int[] {1, 3}, new Activation.Softmax()), new double[] {0, 0, 0, 0, Math.log(2), LN3});
    double total = LN2 + LN6; // label 2: -log(1/2); label 0: -log(1/6)
    double expected = r == LossReduction.SUM ? total : total / 2;
    double[] g = new double[6];
    assertEquals(expected, in.gradient(new double[] {1, -1}, new double[] {2, 0}, 2, g), 1e-15);
    double s = r == LossReduction.SUM ? 1 : 0.5;
    // δ = a - onehot: (1/6, 1/3, -1/2) and (-5/6, 1/3, 1/2); bias gradient is their sum.
    double[] db = {s * (1.0 / 6 - 5.0 / 6), s * (2.0 / 3), s * 0};
    double[] dw = {s * (1.0 / 6 + 5.0 / 6), s * 0, s * (-0.5 - 0.5)};
    assertArrayEquals(new double[] {dw[0], dw[1], dw[2], db[0], db[1], db[2]}, g, 1e-15);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void hugeLogitsGiveFiniteLossAndGradient(Precision p) {
    Interpreter ce = new Interpreter(net(p, new Loss.CrossEntropy(LossReduction.MEAN),
        new int[] {1, 3}, new Activation.Softmax()), new double[] {0, 0, 0, 1000, 0, -1000});
    double[] g = new double[6];
    assertEquals(2000, ce.gradient(new double[] {1}, new double[] {2}, 1, g), 0.0);
    assertAllFinite(g);
    assertEquals(0, ce.loss(new double[] {1}, new double[] {0}, 1), 0.0);

    Interpreter bce = new Interpreter(net(p, new Loss.BinaryCrossEntropy(LossReduction.SUM),
        new int[] {1, 1}, new Activation.Sigmoid()), new double[] {1000, 0});
    double[] gb = new double[2];
    // z = ±1000 against the opposite target: loss = |z| exactly, never log(0) = -∞.
    assertEquals(2000, bce.gradient(new double[] {1, -1}, new double[] {0, 1}, 2, gb), 0.0);
    assertAllFinite(gb);
    assertEquals(0, bce.loss(new double[] {1, -1}, new double[] {1, 0}, 2), 0.0);
  }

  @Test
  void userErrorsAreReportedNotCrashed() {
    Interpreter ce = new Interpreter(net(Precision.DOUBLE,
        new Loss.CrossEntropy(LossReduction.MEAN),
        new int[] {1, 3}, new Activation.Softmax()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ce.loss(new double[] {1}, new double[] {3}, 1));
    assertTrue(e.getMessage().contains("3.0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ce.loss(new double[] {1}, new double[0], 1));
    assertThrows(IllegalArgumentException.class, () -> ce.predict(new double[0], new double[3]));
    assertThrows(IllegalArgumentException.class, () -> ce.setParameters(new double[2]));
    assertThrows(IllegalArgumentException.class,
        () -> ce.loss(new double[] {1}, new double[] {0}, 0));
    assertThrows(IllegalArgumentException.class, () -> new Interpreter(net(Precision.DOUBLE,
        new Loss.Mse(LossReduction.MEAN), new int[] {1, 3}, new Activation.Softmax())));
    assertThrows(IllegalArgumentException.class, () -> new Interpreter(net(Precision.DOUBLE,
        new Loss.BinaryCrossEntropy(LossReduction.MEAN), new int[] {1, 3}, new Activation.Tanh())));
  }

  @Test
  void seededInitMatchesRuntimeInit() {
    Network n = net(Precision.FLOAT, null, new int[] {3, 4, 2}, new Activation.Relu(),
        new Activation.Identity());
    double[] p = new double[n.parameterCount()];
    new Interpreter(n).getParameters(p);
    float[] w1 = Init.weightsFloat(Init.Scheme.XAVIER, 0, 3, 4, 1L, 0);
    float[] w2 = Init.weightsFloat(Init.Scheme.XAVIER, 0, 4, 2, 1L, 1);
    for (int i = 0; i < w1.length; i++) {
      assertEquals(w1[i], p[i], 0.0);
    }
    for (int i = 0; i < 4; i++) {
      assertEquals(0.0, p[12 + i], 0.0);
    }
    for (int i = 0; i < w2.length; i++) {
      assertEquals(w2[i], p[16 + i], 0.0);
    }
    assertEquals(0.0, p[24], 0.0);
    assertEquals(0.0, p[25], 0.0);
  }

  private static void assertAllFinite(double[] g) {
    for (double v : g) {
      assertTrue(Double.isFinite(v), "not finite: " + v);
    }
  }
}
