package dev.netc.cli;

import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

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

  /** One optimizer step on rows {@code order[from .. from+size)}; returns the batch loss. */
  abstract double trainBatch(Dataset data, int[] order, int from, int size);

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
   * From now on, trains data-parallel on {@code threads} threads (see
   * {@link dev.netc.runtime.ParallelTrainer}); call after loading weights, before training.
   */
  abstract void useThreads(int threads);

  /** An independent engine over a copy of this one's network (parameters, optimizer state). */
  abstract Engine scratchCopy();

  /** Stops the training threads, if any. */
  @Override
  public abstract void close();

  /** How the loss reduces a batch, as the runtime's trainers need it. */
  LossReduction reduction() {
    return loss().reduction();
  }

  /** The network's loss. */
  Loss loss() {
    return network.loss().orElseThrow(() -> new UserException("network '" + network.name()
        + "' has no loss statement; training and evaluation need one"));
  }

  /**
   * The first parameter that is NaN or infinite, named for a message (e.g. {@code 'h.weight'
   * [0, 1] is -Infinity}). A dead ReLU unit can hold such a weight while the loss stays finite,
   * and netc would then save weights that no loader accepts.
   */
  Optional<String> nonFiniteParameter() {
    double[] p = parameters();
    for (TensorSpec s : network.parameterLayout()) {
      for (int i = 0; i < s.size(); i++) {
        double v = p[s.offset() + i];
        if (!Double.isFinite(v)) {
          return Optional.of("parameter '" + s.name() + "' " + index(s.shape(), i) + " is " + v);
        }
      }
    }
    return Optional.empty();
  }

  /** The row-major flat index {@code i} of a tensor of {@code shape} as {@code [a, b, …]}. */
  private static String index(int[] shape, int i) {
    String[] parts = new String[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      parts[d] = Integer.toString(i % shape[d]);
      i /= shape[d];
    }
    return "[" + String.join(", ", parts) + "]";
  }

  /** The loss over the whole dataset with the network's reduction, evaluated in chunks. */
  double datasetLoss(Dataset data) {
    Loss loss = loss();
    double total = 0;
    for (int from = 0; from < data.count(); from += EVAL_CHUNK) {
      int size = Math.min(EVAL_CHUNK, data.count() - from);
      double chunk = chunkLoss(data, from, size);
      // A mean-reduced chunk loss times its row count adds up to the mean over all rows.
      total += loss.reduction() == LossReduction.MEAN ? chunk * size : chunk;
    }
    return loss.reduction() == LossReduction.MEAN ? total / data.count() : total;
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
