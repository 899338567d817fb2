package dev.netc.cli;

import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Tensor;
import dev.netc.runtime.train.Learner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A network the CLI can train and evaluate, whatever its precision (float or double arrays) and
 * backend (generated class or interpreter). The loops over data live here once; subclasses only
 * move one chunk of rows between the dataset and the network's own array type.
 */
abstract sealed class Engine implements AutoCloseable permits FloatEngine, DoubleEngine {
  /** Rows per chunk when evaluating (predictions and loss over a whole dataset). */
  static final int EVAL_CHUNK = 256;

  final Network network;
  final String backend;

  Engine(Network network, String backend) {
    this.network = network;
    this.backend = backend;
  }

  /** The element type this engine reads datasets in. */
  abstract Dataset.Type dataType();

  /** Replaces the parameters with those in a safetensors file (all or nothing). */
  abstract void load(Path weights) throws IOException;

  /** Writes the parameters to a safetensors file atomically. */
  abstract void save(Path weights) throws IOException;

  /** A copy of the current parameters, widened to double. */
  abstract double[] parameters();

  /** The reduced loss of rows [from, from+size) (network reduction). */
  abstract double chunkLoss(Dataset data, int from, int size);

  /** Outputs of rows [from, from+size), row-major, widened to double. */
  abstract void chunkPredict(Dataset data, int from, int size, double[] out);

  /**
   * The gradient of the loss over ALL rows of {@code data} (network reduction), as tensors named
   * like the parameters, in the network's precision; returns the loss via {@code lossOut[0]}.
   */
  abstract Map<String, Tensor> gradient(Dataset data, double[] lossOut);

  /**
   * The network seen by the library trainer (created once; it owns the training threads). Only
   * for networks with a loss.
   */
  abstract Learner learner();

  /** Stops the training threads, if any. */
  @Override
  public abstract void close();

  /** How the loss reduces a batch, as the runtime's trainers need it. */
  dev.netc.runtime.LossReduction reduction() {
    return loss().reduction() == dev.netc.ir.Reduction.SUM
        ? dev.netc.runtime.LossReduction.SUM : dev.netc.runtime.LossReduction.MEAN;
  }

  /** The network's loss. */
  Loss loss() {
    return network.loss().orElseThrow(() -> new UserException("network '" + network.name()
        + "' has no loss statement; training and evaluation need one"));
  }

  /** The loss over the whole dataset with the network's reduction, evaluated in chunks. */
  double datasetLoss(Dataset data) {
    Loss loss = loss();
    double total = 0;
    for (int from = 0; from < data.count(); from += EVAL_CHUNK) {
      int size = Math.min(EVAL_CHUNK, data.count() - from);
      double chunk = chunkLoss(data, from, size);
      // A mean-reduced chunk loss times its row count adds up to the mean over all rows.
      total += loss.reduction() == dev.netc.ir.Reduction.MEAN ? chunk * size : chunk;
    }
    return loss.reduction() == dev.netc.ir.Reduction.MEAN ? total / data.count() : total;
  }

  /** Predictions of every row, row-major. */
  double[] predictAll(Dataset data) {
    int outputs = network.outputSize();
    double[] all = new double[Math.multiplyExact(data.count(), outputs)];
    double[] chunk = new double[EVAL_CHUNK * outputs];
    for (int from = 0; from < data.count(); from += EVAL_CHUNK) {
      int size = Math.min(EVAL_CHUNK, data.count() - from);
      chunkPredict(data, from, size, chunk);
      System.arraycopy(chunk, 0, all, from * outputs, size * outputs);
    }
    return all;
  }
}
