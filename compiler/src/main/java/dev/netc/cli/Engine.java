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
 * backend (generated class or interpreter). The loops over data are the runtime's
 * {@link Learner}'s; subclasses load, save and differentiate in the network's own array type.
 */
abstract sealed class Engine implements AutoCloseable permits FloatEngine, DoubleEngine {
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

  /**
   * The gradient of the loss over ALL rows of {@code data} (network reduction), as tensors named
   * like the parameters, in the network's precision; returns the loss via {@code lossOut[0]}.
   */
  abstract Map<String, Tensor> gradient(Dataset data, double[] lossOut);

  /**
   * The network seen by the library trainer, created once (it owns the training threads): a
   * predictor only when the network has no loss.
   */
  abstract Learner learner();

  /** Stops the training threads, if any. */
  @Override
  public abstract void close();

  /** How the loss reduces a batch, as the runtime's trainers need it. */
  dev.netc.runtime.LossReduction reduction() {
    return loss().reduction();
  }

  /** The network's loss. */
  Loss loss() {
    return network.loss().orElseThrow(() -> new UserException("network '" + network.name()
        + "' has no loss statement; training and evaluation need one"));
  }

  /** The dataset's loss and its rows' predictions, from one forward pass over it. */
  Learner.Evaluation evaluate(Dataset data) {
    loss();
    return learner().evaluate(data);
  }

  /** Predictions of every row, row-major. */
  double[] predictAll(Dataset data) {
    return learner().predictAll(data);
  }
}
