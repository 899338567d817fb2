package dev.netc.cli;

import dev.netc.ir.Activation;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import java.util.BitSet;

/**
 * The units of kinked activations (relu, leaky_relu, elu with alpha ≠ 1: the derivative jumps at
 * 0), seen through a plain double forward pass. Near a kink a gradient is not comparable: two
 * correct float implementations may round a unit to different sides, and a finite difference
 * whose steps cross the kink measures neither side's slope. {@code netc check} uses this to stay
 * away from kinks.
 */
final class Kinks {
  /** Multiples of the probabilistic rounding error within which a unit counts as on its kink. */
  static final double MARGIN = 8;

  private Kinks() {}

  /** Receives each kinked unit's pre-activation z and the sum of its terms' magnitudes. */
  private interface UnitVisitor {
    /** Returns false to stop the walk. */
    boolean visit(double z, double magnitude, double relativeError);
  }

  /**
   * True if some example puts a kinked unit so near its kink that rounding at unit roundoff
   * {@code eps} may decide its side: |z| within {@link #MARGIN}·ε·(Σ|w·a| + |b|) per layer on
   * the way. (A sum of K terms added one by one in random-looking order is off by about
   * ε·(Σ|terms|)/2 in standard deviation, whatever K; several accumulators do better; each layer
   * adds its own such error to its inputs'.)
   */
  static boolean nearKink(Network net, double[] params, double[] xs, int batch, double eps) {
    boolean[] near = {false};
    walk(net, params, xs, batch, eps, (z, magnitude, relativeError) -> {
      near[0] = Math.abs(z) <= MARGIN * relativeError * magnitude;
      return !near[0];
    });
    return near[0];
  }

  /** Which side of its kink every kinked unit is on, example by example (bit set: z > 0). */
  static BitSet sides(Network net, double[] params, double[] xs, int batch) {
    BitSet sides = new BitSet();
    int[] unit = {0};
    walk(net, params, xs, batch, 0, (z, magnitude, relativeError) -> {
      sides.set(unit[0]++, z > 0);
      return true;
    });
    return sides;
  }

  /** True if σ' jumps at 0 (relu, leaky_relu, elu with alpha ≠ 1); softmax is smooth. */
  /**
   * True if the kinks of {@code net} are followed here: networks of dense layers. Image layers'
   * pre-activations (and max pooling's switches between window elements) are not yet, so no
   * input is redrawn and no finite-difference step is skipped for them.
   */
  static boolean tracks(Network net) {
    return net.layers().stream().allMatch(l -> l instanceof Dense);
  }

  static boolean isKinked(Activation act) {
    if (!act.isElementwise()) {
      return false;
    }
    double h = 1e-12;
    double left = act.derivative(-h, act.value(-h));
    double right = act.derivative(h, act.value(h));
    return Math.abs(left - right) > 1e-6;
  }

  private static void walk(Network net, double[] params, double[] xs, int batch, double eps,
      UnitVisitor visitor) {
    if (!tracks(net)) {
      return;
    }
    for (int e = 0; e < batch; e++) {
      double[] a = new double[net.inputSize()];
      System.arraycopy(xs, e * net.inputSize(), a, 0, a.length);
      double relativeError = 0;
      for (Layer l : net.layers()) {
        int w = net.weightOffset(l.index());
        int b = net.biasOffset(l.index());
        Activation act = l.activation();
        boolean kinked = isKinked(act);
        relativeError += eps;
        double[] next = new double[l.outSize()];
        for (int o = 0; o < l.outSize(); o++) {
          double z = params[b + o];
          double magnitude = Math.abs(z);
          for (int i = 0; i < l.inSize(); i++) {
            double t = params[w + o * l.inSize() + i] * a[i];
            z += t;
            magnitude += Math.abs(t);
          }
          if (kinked && !visitor.visit(z, magnitude, relativeError)) {
            return;
          }
          next[o] = act.isElementwise() ? act.value(z) : z;
        }
        a = next;
      }
    }
  }
}
