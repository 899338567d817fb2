package dev.netc.cli;

import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.train.Accuracy;
import dev.netc.runtime.train.Learner;

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
    Learner.Evaluation scored = engine.evaluate(data);
    double value = scored.loss();
    double[] out = scored.predictions();
    int outputs = net.outputSize();
    long[][] confusion = null;
    if (loss instanceof Loss.CrossEntropy) {
      confusion = new long[outputs][outputs];
      for (int i = 0; i < data.count(); i++) {
        confusion[data.label(i)][Accuracy.argmax(out, i * outputs, outputs)]++;
      }
    }
    return new Metrics(value, accuracyOf(loss).of(out, outputs, data), confusion);
  }

  /** How predictions under {@code loss} are scored: argmax, 0.5 threshold, or not at all. */
  static Accuracy accuracyOf(Loss loss) {
    if (loss instanceof Loss.CrossEntropy) {
      return Accuracy.ARGMAX;
    }
    return loss instanceof Loss.BinaryCrossEntropy ? Accuracy.THRESHOLD : Accuracy.NONE;
  }

  /** Whether an accuracy is defined (classification losses). */
  boolean hasAccuracy() {
    return !Double.isNaN(accuracy);
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
    StringBuilder sb =
        new StringBuilder("confusion matrix (rows: true class, columns: predicted)\n");
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
