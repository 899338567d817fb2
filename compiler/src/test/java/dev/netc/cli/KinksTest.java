package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.ir.Activation;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** The kinks {@code netc check} keeps away from, and the reduction length of its bound. */
class KinksTest {
  @Test
  void kinkedActivationsAreThoseWhoseDerivativeJumpsAtZero() {
    assertTrue(Kinks.isKinked(new Activation.Relu()));
    assertTrue(Kinks.isKinked(new Activation.LeakyRelu(0.01)));
    assertTrue(Kinks.isKinked(new Activation.Elu(0.5)));
    assertFalse(Kinks.isKinked(new Activation.Elu(1.0)));
    assertFalse(Kinks.isKinked(new Activation.Tanh()));
    assertFalse(Kinks.isKinked(new Activation.Softplus()));
    assertFalse(Kinks.isKinked(new Activation.Softmax()));
  }

  @Test
  void aUnitOnItsKinkIsNearItAndSidesFollowTheSignOfZ() {
    // One relu unit, z = x - 0.5: near 0 only through cancellation, which rounding can flip.
    Network net = Frontend.compile("k.net", """
        network K {
          input 1
          dense 1 relu
          loss mse
          optimizer sgd(lr = 0.1)
        }
        """).networks().get(0);
    double[] params = {1, -0.5};
    double eps = 0x1p-24;
    assertTrue(Kinks.nearKink(net, params, new double[] {0.5 + 1e-9}, 1, eps));
    assertFalse(Kinks.nearKink(net, params, new double[] {0.5 + 1e-4}, 1, eps));
    assertFalse(Kinks.nearKink(net, new double[] {1, 0}, new double[] {1e-30}, 1, eps));
    BitSet sides = Kinks.sides(net, params, new double[] {1, 0, 2.5}, 3);
    assertEquals(BitSet.valueOf(new long[] {0b101}), sides);
    // N = batch + fan-in + fan-out.
    assertEquals(4 + 1 + 1, RoundingBound.reductionLength(net, 4));
    assertEquals(6 * 0x1p-24, RoundingBound.of(net, 4, Precision.FLOAT), 0);
  }
}
