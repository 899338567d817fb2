package dev.netc.spark;

import java.io.Serializable;

/**
 * What {@code treeAggregate} adds up over the partitions: a weighted sum of float vectors
 * (gradients, or parameters when averaging) and of losses.
 */
final class GradientSum implements Serializable {
  private static final long serialVersionUID = 1L;
  // Null until a partition adds to it: the zero value travels with every task, empty.
  private float[] sum;
  private double loss;

  /** Adds {@code weight · values} and {@code weight · loss}. */
  GradientSum add(float[] values, int length, float weight, double loss) {
    if (sum == null) {
      sum = new float[length];
    }
    for (int i = 0; i < length; i++) {
      sum[i] += weight * values[i];
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
