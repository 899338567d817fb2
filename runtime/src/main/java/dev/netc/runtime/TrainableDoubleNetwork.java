package dev.netc.runtime;

/**
 * A {@link DoubleNetwork} with a loss and an optimizer. Targets are stored row-major,
 * {@link #targetWidth()} values per example: the class index (as a double) for
 * {@code cross_entropy}, otherwise {@link #outputSize()} values.
 */
public interface TrainableDoubleNetwork extends DoubleNetwork {

  /** Values per example in a target array: 1 for cross_entropy, else outputSize(). */
  int targetWidth();

  /** The loss over a mini-batch with the network's reduction (mean or sum). */
  double loss(double[] xs, double[] targets, int batchSize);

  /**
   * The loss of a mini-batch, as {@link #loss} returns it, with its outputs written to {@code
   * out} as {@link #predictBatch} writes them (the same values). A generated class with the
   * mini-batch path overrides this with one forward pass instead of two: {@code netc train}
   * scores its test set each epoch with it.
   */
  default double evaluate(double[] xs, double[] targets, int batchSize, double[] out) {
    predictBatch(xs, out, batchSize);
    return loss(xs, targets, batchSize);
  }

  /**
   * Writes d(loss)/d(parameters) for the mini-batch, with the network's reduction, into
   * {@code grad} in {@link #parameterLayout()} order, and returns the loss. Does not change the
   * parameters or the optimizer state.
   */
  double gradient(double[] xs, double[] targets, int batchSize, double[] grad);

  /**
   * One optimizer step on a mini-batch: forward, backward, update. Returns the loss before the
   * update. Allocates nothing.
   */
  double trainBatch(double[] xs, double[] targets, int batchSize);

  /**
   * Adds d(loss)/d(parameters) of the mini-batch, with the network's reduction, to {@code grad}
   * (in {@link #parameterLayout()} order) and returns the loss. Does not change the parameters or
   * the optimizer state.
   */
  double accumulateGradient(double[] xs, double[] targets, int batchSize, double[] grad);

  /**
   * One optimizer step with a caller's gradient {@code grad} (in {@link #parameterLayout()}
   * order, already reduced); {@code trainBatch(xs, t, n)} equals {@code gradient(xs, t, n, g)}
   * followed by {@code optimizerStep(g)}, bit for bit.
   */
  void optimizerStep(double[] grad);

  /** An independent copy (parameters and optimizer state) for use on another thread. */
  TrainableDoubleNetwork copy();

  /** Forgets the optimizer state (momentum buffers, Adam moments, step count). */
  void resetOptimizer();

  /** The learning rate of the next optimizer step: the .net file's lr until set. */
  double learningRate();

  /**
   * Sets the learning rate of the following optimizer steps (how learning-rate schedules drive
   * training); copy() carries it, resetOptimizer() keeps it.
   *
   * @throws IllegalArgumentException if lr is not finite and > 0
   */
  void setLearningRate(double lr);

  /**
   * The optimizer's state tensors, named as torch's optimizer state: for each parameter tensor of
   * parameterLayout(), in that order, its buffers: "&lt;param&gt;.momentum_buffer" (SGD with
   * momentum), or "&lt;param&gt;.exp_avg" then "&lt;param&gt;.exp_avg_sq" (Adam); empty for plain
   * SGD. Offsets index the flat array of getOptimizerState, shapes equal the parameter's.
   */
  java.util.List<TensorSpec> optimizerStateLayout();

  /** Copies the optimizer's buffers into state (length: the sum of optimizerStateLayout sizes). */
  void getOptimizerState(double[] state);

  /** Replaces the optimizer's buffers with state (same layout as getOptimizerState). */
  void setOptimizerState(double[] state);

  /** Optimizer steps since construction or resetOptimizer() (Adam's t; SGD's first-step rule). */
  long optimizerStepCount();

  /**
   * Sets the step count (to resume a checkpoint).
   *
   * @throws IllegalArgumentException if steps &lt; 0
   */
  void setOptimizerStepCount(long steps);

  /**
   * Whether this class can split its mini-batch steps over a {@link StepTeam} ({@link
   * #useStepTeam}). Classes that cannot train only on the calling thread (or on replicas, with
   * {@link ParallelTrainer}).
   */
  default boolean splitsSteps() {
    return false;
  }

  /**
   * Runs the phases of each later mini-batch step ({@code trainBatch} of two or more examples;
   * in a multi-layer perceptron, also a one-example step's pass over the first layer) and of
   * each later prediction ({@code predictBatch}, {@code loss} and {@code evaluate} of a batch; a
   * one-example {@code predict}'s large dense layers and, in a CNN, its large convolutions with
   * the max pools after them) over {@code team}'s threads, or, with {@code null}, on the calling
   * thread alone. The results are the same bits either way. A CNN's class splits only its
   * one-example {@code predict} ({@link #splitsSteps} stays false). The team is not copied by
   * {@link #copy()} and stays open: the caller closes it. Returns false (and changes nothing) if
   * this class can split neither its steps nor its predict.
   */
  default boolean useStepTeam(StepTeam team) {
    return false;
  }
}
