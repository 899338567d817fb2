package dev.netc.spark;

import java.io.Serializable;

/**
 * What a job adds up over the partitions: a weighted sum of float vectors
 * (gradients, or parameters and optimizer state when averaging) and of losses.
 */
final class GradientSum implements Serializable {
  private static final long serialVersionUID = 1L;
  // Null until a partition adds to it: the zero value travels with every task, empty.
  private float[] sum;
  private double loss;

  /** Adds {@code weight · loss} and {@code weight ·} the concatenation of {@code parts}. */
  GradientSum add(float weight, double loss, float[]... parts) {
    if (sum == null) {
      int length = 0;
      for (float[] part : parts) {
        length += part.length;
      }
      sum = new float[length];
    }
    int at = 0;
    for (float[] part : parts) {
      for (int i = 0; i < part.length; i++, at++) {
        sum[at] += weight * part[i];
      }
    }
    this.loss += weight * loss;
    return this;
  }

  /** Adds another partial sum into this one. */
  GradientSum merge(GradientSum other) {
    if (other.sum == null) {
      return this;
    }
    if (sum == null) {
      return other;
    }
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.sum[i];
    }
    loss += other.loss;
    return this;
  }

  /** The summed vector; throws if no partition contributed. */
  float[] sum() {
    if (sum == null) {
      throw new IllegalStateException("no partition contributed rows to the step");
    }
    return sum;
  }

  /** The summed weighted loss. */
  double loss() {
    return loss;
  }
}
