package dev.netc.examples;

import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.io.Dataset;

/** Evaluation helpers that work with any generated float network. */
public final class Metrics {
  private Metrics() {}

  /**
   * Fraction of {@code data}'s examples whose highest output is the labelled class, predicted in
   * chunks of {@code chunk} examples so the output buffer stays small.
   */
  public static float accuracy(FloatNetwork net, Dataset data, int chunk) {
    int classes = net.outputSize();
    int width = net.inputSize();
    float[] xs = new float[chunk * width];
    float[] out = new float[chunk * classes];
    float[] all = data.floatInputs();
    int correct = 0;
    for (int from = 0; from < data.count(); from += chunk) {
      int n = Math.min(chunk, data.count() - from);
      System.arraycopy(all, from * width, xs, 0, n * width);
      net.predictBatch(xs, out, n);
      for (int i = 0; i < n; i++) {
        correct += argmax(out, i * classes, classes) == data.label(from + i) ? 1 : 0;
      }
    }
    return correct / (float) data.count();
  }

  /** Index, relative to {@code from}, of the largest of the {@code n} values from {@code from}. */
  public static int argmax(float[] values, int from, int n) {
    int best = 0;
    for (int c = 1; c < n; c++) {
      if (values[from + c] > values[from + best]) {
        best = c;
      }
    }
    return best;
  }
}
