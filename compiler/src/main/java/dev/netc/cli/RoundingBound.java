package dev.netc.cli;

import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;

/**
 * How far two correct computations of a network's gradient may drift apart through rounding
 * alone, so that {@code netc check} tells summation order apart from a wrong gradient.
 *
 * <p>Every gradient entry is the end of a chain of sums: each layer's pre-activations sum
 * {@code fan-in} products on the way forward, each layer's deltas sum {@code fan-out} products on
 * the way back, and the batch is summed last. Two implementations that add those terms in another
 * order (generated kernels use several accumulators and tiles; the interpreter adds left to right)
 * round differently; a sum of K terms in precision ε is off by at most about K·ε of the magnitude
 * of its terms (Higham's γ_K), and errors of successive sums add up. So the bound used is
 * {@code N · ε} of the largest entry of the tensor, with N the total number of terms along the
 * longest chain: the batch plus every layer's fan-in and fan-out. The largest entry stands in for
 * the magnitude of the terms: an entry that is small because its terms cancel is exactly as
 * accurate, in absolute terms, as its large neighbours.
 */
final class RoundingBound {
  private RoundingBound() {}

  /** The unit roundoff ε of a precision: 2⁻²⁴ for float, 2⁻⁵³ for double. */
  static double epsilon(Precision p) {
    return p == Precision.FLOAT ? 0x1p-24 : 0x1p-53;
  }

  /** N: the batch plus every layer's fan-in and fan-out, the terms of the longest chain of sums. */
  static long reductionLength(Network net, int batch) {
    long n = batch;
    for (Layer l : net.layers()) {
      n += l.inSize() + l.outSize();
    }
    return n;
  }

  /** The largest expected error relative to a tensor's largest entry: N · ε. */
  static double of(Network net, int batch, Precision p) {
    return reductionLength(net, batch) * epsilon(p);
  }
}
