package dev.netc.cli;

import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.runtime.io.Dataset;

/**
 * Loss, accuracy and (for softmax classifiers) the confusion matrix of a network on a dataset.
 *
 * @param accuracy fraction correct, or NaN when the loss is not a classification loss (mse)
 * @param confusion [true class][predicted class] counts, or null unless cross_entropy
 */
record Metrics(double loss, double accuracy, long[][] confusion) {

  /** Evaluates {@code engine} on every row of {@code data}. */
  static Metrics of(Engine engine, Dataset data) {
    Network net = engine.network;
    Loss loss = engine.loss();
    double value = engine.datasetLoss(data);
    double[] out = engine.predictAll(data);
    int outputs = net.outputSize();
    if (loss instanceof Loss.CrossEntropy) {
      long[][] confusion = new long[outputs][outputs];
      long correct = 0;
      for (int i = 0; i < data.count(); i++) {
        int predicted = argmax(out, i * outputs, outputs);
        int truth = data.label(i);
        confusion[truth][predicted]++;
        if (predicted == truth) {
          correct++;
        }
      }
      return new Metrics(value, correct / (double) data.count(), confusion);
    }
    if (loss instanceof Loss.BinaryCrossEntropy) {
      long correct = 0;
      for (int i = 0; i < out.length; i++) {
        double target = data.type() == Dataset.Type.FLOAT
            ? data.floatTargets()[i] : data.doubleTargets()[i];
        if ((out[i] >= 0.5) == (target >= 0.5)) {
          correct++;
        }
      }
      return new Metrics(value, correct / (double) out.length, null);
    }
    return new Metrics(value, Double.NaN, null);
  }

  /** Whether an accuracy is defined (classification losses). */
  boolean hasAccuracy() {
    return !Double.isNaN(accuracy);
  }

  private static int argmax(double[] v, int from, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (v[from + j] > v[from + best]) {
        best = j;
      }
    }
    return best;
  }

  /** The confusion matrix as an aligned text table with class indices as headers. */
  String confusionTable() {
    int n = confusion.length;
    int width = 5;
    for (long[] row : confusion) {
      for (long c : row) {
        width = Math.max(width, Long.toString(c).length() + 1);
      }
    }
    StringBuilder sb = new StringBuilder("confusion matrix (rows: true class, columns: predicted)\n");
    sb.append(String.format("%" + width + "s", ""));
    for (int j = 0; j < n; j++) {
      sb.append(String.format("%" + width + "d", j));
    }
    sb.append('\n');
    for (int i = 0; i < n; i++) {
      sb.append(String.format("%" + width + "d", i));
      for (int j = 0; j < n; j++) {
        sb.append(String.format("%" + width + "d", confusion[i][j]));
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
