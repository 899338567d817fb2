package dev.netc.codegen;

import dev.netc.ir.Activation;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;

/**
 * Finds examples that put a unit of a kinked activation (relu, leaky_relu, elu with alpha ≠ 1,
 * whose derivative jumps at 0) so close to its kink that the summation order decides the side:
 * {@code |z| <= K · ε · (Σ|w_i a_i| + |b|)}, the worst-case rounding error of a K-term sum. There
 * the gradient legitimately differs by a whole unit's contribution between two correct
 * implementations, so such inputs are re-drawn rather than compared. Used for double networks,
 * where such units are rare (ε = 2⁻⁵³); float networks compare against a higher-precision twin
 * instead, since at ε = 2⁻²⁴ a wide batch almost always has a unit that close.
 */
final class KinkGuard {
  private KinkGuard() {}

  /** True if some example of the batch has a kinked unit within rounding of its kink. */
  static boolean nearKink(Network net, double[] params, double[] xs, int n) {
    if (!net.layers().stream().allMatch(l -> l instanceof Dense)) {
      // Classes with conv2d or pooling layers train example by example, with forward sums in
      // the interpreter's order: z is the same, so no unit can switch sides of its kink.
      return false;
    }
    double eps = net.precision() == Precision.FLOAT ? 0x1p-24 : 0x1p-53;
    for (int e = 0; e < n; e++) {
      double[] a = new double[net.inputSize()];
      System.arraycopy(xs, e * net.inputSize(), a, 0, a.length);
      for (Layer l : net.layers()) {
        int wOff = net.weightOffset(l.index());
        int bOff = net.biasOffset(l.index());
        double[] next = new double[l.outSize()];
        Activation act = l.activation();
        boolean kinked = act instanceof Activation.Relu || act instanceof Activation.LeakyRelu
            || act instanceof Activation.Elu elu && elu.alpha() != 1.0;
        for (int o = 0; o < l.outSize(); o++) {
          double z = params[bOff + o];
          double mag = Math.abs(z);
          for (int i = 0; i < l.inSize(); i++) {
            double t = params[wOff + o * l.inSize() + i] * a[i];
            z += t;
            mag += Math.abs(t);
          }
          if (kinked && Math.abs(z) <= (l.inSize() + 1) * eps * mag) {
            return true;
          }
          next[o] = act.isElementwise() ? act.value(z) : z;
        }
        a = next;
      }
    }
    return false;
  }
}
