package dev.netc.runtime.train;

import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A trainable network of either precision seen through datasets: mini-batch steps on rows of a
 * {@link Dataset} (on one thread or data-parallel), losses and predictions in chunks, and its
 * whole training state for checkpoints. The loops over data live here once; the two subclasses
 * only move rows between the dataset and the network's own array type.
 */
public abstract sealed class Learner implements AutoCloseable permits FloatLearner, DoubleLearner {
  /** Rows per chunk when evaluating (predictions and loss over a whole dataset). */
  public static final int EVAL_CHUNK = 256;

  private final LossReduction reduction;

  Learner(LossReduction reduction) {
    this.reduction = Objects.requireNonNull(reduction, "reduction");
  }

  /** A learner over a generated {@code precision float} network with the given loss reduction. */
  public static Learner of(TrainableFloatNetwork net, LossReduction reduction) {
    return new FloatLearner(net, reduction);
  }

  /** A learner over a {@code double[]} network (generated or the interpreter). */
  public static Learner of(TrainableDoubleNetwork net, LossReduction reduction) {
    return new DoubleLearner(net, reduction);
  }

  /**
   * A learner that only predicts ({@link #chunkPredict}, {@link #predictAll}), for a network
   * that may have no loss; its training and loss methods throw IllegalStateException.
   */
  public static Learner predictorOf(FloatNetwork net) {
    return new FloatLearner(net, LossReduction.MEAN);
  }

  /** The double version of {@link #predictorOf(FloatNetwork)}. */
  public static Learner predictorOf(DoubleNetwork net) {
    return new DoubleLearner(net, LossReduction.MEAN);
  }

  /** How the network's loss reduces a batch. */
  public LossReduction reduction() {
    return reduction;
  }

  /** The element type this learner reads datasets in. */
  public abstract Dataset.Type dataType();

  /** Outputs per example. */
  public abstract int outputSize();

  /** The network's parameter layout. */
  public abstract List<TensorSpec> parameterLayout();

  /** One optimizer step on rows {@code order[from .. from+size)}; returns the batch loss. */
  public abstract double trainBatch(Dataset data, int[] order, int from, int size);

  /** The reduced loss of rows [from, from+size) (the network's reduction). */
  public abstract double chunkLoss(Dataset data, int from, int size);

  /** Outputs of rows [from, from+size), row-major, widened to double. */
  public abstract void chunkPredict(Dataset data, int from, int size, double[] out);

  /**
   * The reduced loss of rows [from, from+size), as {@link #chunkLoss}, and their outputs, as
   * {@link #chunkPredict}: from one forward pass where the generated class has the mini-batch
   * path ({@code evaluate}), else from two.
   */
  public abstract double chunkEvaluate(Dataset data, int from, int size, double[] out);

  /**
   * Whether threads would split this network's steps ({@link #useThreads}): its class can
   * ({@code splitsSteps()} of the generated class), and {@code -Dnetc.splitSteps=false} did not
   * turn that off (to compare with the replicas).
   */
  public abstract boolean splitsSteps();

  /**
   * Whether {@link #splitsSteps} may split: the system property {@code netc.splitSteps}, true
   * unless set to false.
   */
  static final boolean SPLIT_STEPS =
      !"false".equalsIgnoreCase(System.getProperty("netc.splitSteps", "true"));

  /**
   * From now on, trains on {@code threads} threads; 1 trains on the caller's thread alone. A
   * network whose class splits its steps ({@link #splitsSteps}) runs each step's phases over a
   * {@link dev.netc.runtime.StepTeam} (the same bits as one thread); any other trains
   * data-parallel on replicas (see {@link dev.netc.runtime.ParallelTrainer}).
   */
  public void useThreads(int threads) {
    useThreads(threads, false);
  }

  /**
   * As {@link #useThreads(int)}, but with {@code oneCore} a network that splits its steps runs
   * their parts one after another on the calling thread ({@link
   * dev.netc.runtime.StepTeam#rehearsal}): the code a team runs, warmed up without taking the
   * cores the JIT compiles it on. Data-parallel training ignores {@code oneCore}.
   */
  public abstract void useThreads(int threads, boolean oneCore);

  /** An independent learner over a copy of this one's network (parameters, optimizer state). */
  public abstract Learner copy();

  /** A copy of the current parameters, widened to double. */
  public abstract double[] parameters();

  /** The parameters as tensors named by the layout, in the network's precision. */
  public abstract Map<String, Tensor> parameterTensors();

  /** Replaces the parameters with {@code tensors} (every tensor of the layout, nothing else). */
  public abstract void setParameterTensors(Map<String, Tensor> tensors);

  /** The optimizer's state, its step count and learning rate. */
  public abstract OptimizerSnapshot optimizerSnapshot();

  /** Restores what {@link #optimizerSnapshot()} returned (of this network's shape). */
  public abstract void restore(OptimizerSnapshot snapshot);

  /** The learning rate of the next step. */
  public abstract double learningRate();

  /** Sets the learning rate of the following steps (and of every data-parallel replica). */
  public abstract void setLearningRate(double lr);

  /** Stops the training threads, if any. */
  @Override
  public abstract void close();

  /** The loss over the whole dataset with the network's reduction, evaluated in chunks. */
  public double loss(Dataset data) {
    double total = 0;
    for (int from = 0; from < data.count(); from += EVAL_CHUNK) {
      int size = Math.min(EVAL_CHUNK, data.count() - from);
      double chunk = chunkLoss(data, from, size);
      // A mean-reduced chunk loss times its row count adds up to the mean over all rows.
      total += reduction == LossReduction.MEAN ? chunk * size : chunk;
    }
    return reduction == LossReduction.MEAN ? total / data.count() : total;
  }

  /**
   * A dataset's loss (as {@link #loss}) and the predictions of its rows (as {@link #predictAll},
   * row-major; the array is the caller's).
   */
  public record Evaluation(double loss, double[] predictions) {}

  /**
   * {@link #loss} and {@link #predictAll} of {@code data} with one forward pass over it instead
   * of two (the same values): how {@link Trainer} scores its validation data each epoch when
   * it reports an accuracy.
   */
  public Evaluation evaluate(Dataset data) {
    int outputs = outputSize();
    double[] all = new double[Math.multiplyExact(data.count(), outputs)];
    double[] chunk = new double[EVAL_CHUNK * outputs];
    double total = 0;
    for (int from = 0; from < data.count(); from += EVAL_CHUNK) {
      int size = Math.min(EVAL_CHUNK, data.count() - from);
      double loss = chunkEvaluate(data, from, size, chunk);
      total += reduction == LossReduction.MEAN ? loss * size : loss;
      System.arraycopy(chunk, 0, all, from * outputs, size * outputs);
    }
    return new Evaluation(reduction == LossReduction.MEAN ? total / data.count() : total, all);
  }

  /** Predictions of every row, row-major. */
  public double[] predictAll(Dataset data) {
    int outputs = outputSize();
    double[] all = new double[Math.multiplyExact(data.count(), outputs)];
    double[] chunk = new double[EVAL_CHUNK * outputs];
    for (int from = 0; from < data.count(); from += EVAL_CHUNK) {
      int size = Math.min(EVAL_CHUNK, data.count() - from);
      chunkPredict(data, from, size, chunk);
      System.arraycopy(chunk, 0, all, from * outputs, size * outputs);
    }
    return all;
  }

  /**
   * The first parameter that is NaN or infinite, named for a message (e.g. {@code parameter
   * 'h.weight' [0, 1] is -Infinity}). A dead ReLU unit can hold such a weight while the loss stays
   * finite, and the weights saved would then be useless.
   */
  public Optional<String> nonFiniteParameter() {
    double[] p = parameters();
    for (TensorSpec s : parameterLayout()) {
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

  /**
   * The optimizer's part of a training state: its buffers as tensors named by
   * {@code optimizerStateLayout()}, the step count and the learning rate.
   */
  public record OptimizerSnapshot(Map<String, Tensor> buffers, long steps, double learningRate) {
    /** Copies the map. */
    public OptimizerSnapshot {
      buffers = Map.copyOf(buffers);
    }
  }
}
