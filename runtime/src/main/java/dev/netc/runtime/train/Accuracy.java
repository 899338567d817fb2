package dev.netc.runtime.train;

import dev.netc.runtime.io.Dataset;

/** How a trainer scores predictions besides the loss. */
public enum Accuracy {
  /** No accuracy (regression). */
  NONE,
  /** Class index targets ({@code cross_entropy}): the largest output must be the class. */
  ARGMAX,
  /** 0/1 targets ({@code binary_cross_entropy}): an output is right on its target's side of 0.5. */
  THRESHOLD;

  /**
   * The fraction of correct predictions of {@code outputs} (row-major, {@code width} per row) on
   * {@code data}, or NaN for {@link #NONE}.
   */
  public double of(double[] outputs, int width, Dataset data) {
    long correct = 0;
    switch (this) {
      case NONE -> {
        return Double.NaN;
      }
      case ARGMAX -> {
        for (int i = 0; i < data.count(); i++) {
          if (argmax(outputs, i * width, width) == data.label(i)) {
            correct++;
          }
        }
        return correct / (double) data.count();
      }
      default -> {
        for (int i = 0; i < outputs.length; i++) {
          double target = data.type() == Dataset.Type.FLOAT
              ? data.floatTargets()[i] : data.doubleTargets()[i];
          if ((outputs[i] >= 0.5) == (target >= 0.5)) {
            correct++;
          }
        }
        return correct / (double) outputs.length;
      }
    }
  }

  /** The index of the largest of {@code v[from .. from+n)}, the first on ties. */
  public static int argmax(double[] v, int from, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (v[from + j] > v[from + best]) {
        best = j;
      }
    }
    return best;
  }
}
