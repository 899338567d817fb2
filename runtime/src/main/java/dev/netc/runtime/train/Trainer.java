package dev.netc.runtime.train;

import dev.netc.runtime.LossReduction;
import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The training loop of {@code netc train} as a library: epochs of shuffled mini-batches on a
 * generated network (or a {@link Learner}), with validation, early stopping, learning-rate
 * schedules, checkpoints that resume bit-identically, divergence detection and listeners.
 *
 * <pre>{@code
 * TrainingResult r = Trainer.builder().epochs(20).batchSize(32).seed(42)
 *     .validationSplit(0.1).earlyStopping(3).schedule(LrSchedule.parse("cosine"))
 *     .accuracy(Accuracy.ARGMAX).listener(e -> System.out.println(e))
 *     .build().fit(new FashionMlp(), data);
 * }</pre>
 *
 * <p>A trainer is immutable and may run any number of fits, one at a time per network.
 */
public final class Trainer {
  /** The file a checkpoint directory holds. */
  public static final String CHECKPOINT_FILE = "checkpoint.safetensors";

  private final Builder b;

  private Trainer(Builder b) {
    this.b = b.copy();
  }

  /** A builder with the CLI's defaults: 10 epochs, batch 32, shuffled with seed 0, one thread. */
  public static Builder builder() {
    return new Builder();
  }

  /** Trains a generated float network in place; see {@link #fit(Learner, Dataset)}. */
  public TrainingResult fit(TrainableFloatNetwork net, Dataset data) {
    try (Learner learner = Learner.of(net, b.reduction)) {
      return fit(learner, data);
    }
  }

  /** Trains a double network (generated or interpreter) in place. */
  public TrainingResult fit(TrainableDoubleNetwork net, Dataset data) {
    try (Learner learner = Learner.of(net, b.reduction)) {
      return fit(learner, data);
    }
  }

  /**
   * Trains {@code learner}'s network on {@code data} (minus the validation split, if any).
   *
   * @throws TrainingDivergedException if a loss or parameter stops being finite
   * @throws UncheckedIOException if a checkpoint cannot be read or written
   * @throws IllegalArgumentException if the options do not fit the data or the checkpoint
   */
  public TrainingResult fit(Learner learner, Dataset data) {
    Dataset train = data.as(learner.dataType());
    Dataset validation = b.validationData == null ? null : b.validationData.as(learner.dataType());
    if (b.validationSplit > 0) {
      Dataset[] parts = split(train, b.validationSplit);
      train = parts[0];
      validation = parts[1];
    }
    if (b.patience > 0 && validation == null) {
      throw new IllegalArgumentException("early stopping needs validation data");
    }
    // Warming up, a split step's parts run one after another on this thread (the same bits as
    // on the team), and the JIT compiles on the other cores.
    learner.useThreads(b.threads, b.warmUp);
    Run run = b.resumeDir != null ? resume(learner, train) : new Run(b.seed, train.order(),
        learner.learningRate());
    run.warmUp = b.warmUp ? new JitWarmUp() : null;
    int steps = (train.count() + b.batchSize - 1) / b.batchSize;
    boolean stopped = run.stopped(b.patience);
    for (int epoch = run.epoch + 1; epoch <= b.epochs && !stopped; epoch++) {
      EpochReport report = epoch(learner, train, validation, run, epoch, steps);
      if (b.checkpointDir != null) {
        writeCheckpoint(learner, run);
      }
      for (TrainingListener l : b.listeners) {
        l.onEpoch(report);
      }
      stopped = run.stopped(b.patience);
    }
    if (run.warmUp != null) {
      endWarmUp(learner, run);
    }
    boolean restore = b.patience > 0 && run.bestEpoch > 0 && run.bestEpoch != run.epoch;
    if (restore) {
      learner.setParameterTensors(run.bestParameters);
    }
    return new TrainingResult(run.history, run.bestEpoch, stopped && run.epoch < b.epochs,
        restore);
  }

  /**
   * Splits off the last {@code fraction} of {@code data} (Keras' {@code validation_split}):
   * returns {training, validation}.
   *
   * @throws IllegalArgumentException if either part would be empty
   */
  public static Dataset[] split(Dataset data, double fraction) {
    int keep = (int) (data.count() * (1 - fraction));
    if (keep < 1 || keep >= data.count()) {
      throw new IllegalArgumentException("a validation split of " + fraction + " of "
          + data.count() + " examples leaves " + (keep < 1 ? "no training" : "no validation")
          + " example");
    }
    return new Dataset[] {data.slice(0, keep), data.slice(keep, data.count())};
  }

  private EpochReport epoch(Learner learner, Dataset train, Dataset validation, Run run,
      int epoch, int steps) {
    double lr = learner.learningRate();
    if (b.shuffle) {
      Dataset.shuffle(run.order, run.rng);
    }
    long start = System.nanoTime();
    double sum = steps(learner, train, run, epoch, steps);
    long nanos = System.nanoTime() - start;
    Optional<String> bad = learner.nonFiniteParameter();
    if (bad.isPresent()) {
      throw new TrainingDivergedException("training diverged in epoch " + epoch + ": "
          + bad.get() + " although the loss is finite");
    }
    double valLoss = Double.NaN;
    double valAccuracy = Double.NaN;
    if (validation != null) {
      // One forward pass for the loss and the predictions the accuracy scores.
      Learner.Evaluation scored = b.accuracy != Accuracy.NONE ? learner.evaluate(validation) : null;
      valLoss = scored != null ? scored.loss() : learner.loss(validation);
      if (!Double.isFinite(valLoss)) {
        throw new TrainingDivergedException("training diverged in epoch " + epoch
            + ": the validation loss is " + valLoss);
      }
      if (scored != null) {
        valAccuracy = b.accuracy.of(scored.predictions(), learner.outputSize(), validation);
      }
    }
    boolean best = validation != null && valLoss < run.bestLoss;
    if (best) {
      run.bestLoss = valLoss;
      run.bestEpoch = epoch;
      run.sinceBest = 0;
      run.bestParameters = b.patience > 0 ? learner.parameterTensors() : Map.of();
    } else if (validation != null) {
      run.sinceBest++;
    }
    // Stepped after every epoch, the last included, so that a checkpoint holds the rate of the
    // epoch that follows it. Cosine annealing reaches 0 after the last planned epoch: that rate
    // is never trained with, and a network refuses it, so the previous one stays.
    double next = b.schedule.next(lr, run.baseLearningRate, epoch, b.epochs);
    if (next != lr && next > 0 && Double.isFinite(next)) {
      learner.setLearningRate(next);
    }
    EpochReport report = new EpochReport(epoch, b.epochs, sum / train.count(), valLoss,
        valAccuracy, lr, nanos, train.count(), best);
    run.history.add(report);
    run.epoch = epoch;
    return report;
  }

  /** The optimizer steps of one epoch; returns the sum of batch loss times batch size. */
  private double steps(Learner learner, Dataset train, Run run, int epoch, int steps) {
    double sum = 0;
    if (run.warmUp != null) {
      run.warmUp.resume();
    }
    for (int step = 0; step < steps; step++) {
      int from = step * b.batchSize;
      int size = Math.min(b.batchSize, train.count() - from);
      double loss = learner.trainBatch(train, run.order, from, size);
      if (run.warmUp != null && run.warmUp.stepped()) {
        endWarmUp(learner, run);
      }
      if (!Double.isFinite(loss)) {
        throw new TrainingDivergedException(String.format(Locale.ROOT, "training diverged in "
            + "epoch %d, step %d of %d: the loss is %s", epoch, step + 1, steps, loss));
      }
      sum += loss * size;
      for (TrainingListener l : b.listeners) {
        l.onStep(epoch, b.epochs, step + 1, steps, sum / (from + size));
      }
    }
    if (run.warmUp != null) {
      run.warmUp.pause();
    }
    return sum;
  }

  /** Trains on every thread from now on and tells the listeners how the warm-up went. */
  private void endWarmUp(Learner learner, Run run) {
    JitWarmUp warmUp = run.warmUp;
    run.warmUp = null;
    long nanos = warmUp.nanos();
    if (b.threads > 1 && learner.splitsSteps()) {
      learner.useThreads(b.threads);
    }
    if (warmUp.steps() == 0) {
      return; // no epoch ran (a resumed run that had finished): nothing to tell
    }
    for (TrainingListener l : b.listeners) {
      l.onWarmUp(warmUp.steps(), nanos);
    }
  }

  private Run resume(Learner learner, Dataset train) {
    Checkpoint c;
    try {
      c = Checkpoint.read(b.resumeDir, learner);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (c.order().length != train.count()) {
      throw new IllegalArgumentException("the checkpoint in '" + b.resumeDir + "' was made with "
          + c.order().length + " training examples, but this run has " + train.count());
    }
    learner.setParameterTensors(c.parameters());
    learner.restore(c.optimizer());
    Run run = new Run(0, c.order(), c.baseLearningRate());
    run.rng = new SplitMix64(c.rngState());
    run.epoch = c.epoch();
    run.bestEpoch = c.bestEpoch();
    run.bestLoss = c.bestLoss();
    run.sinceBest = c.sinceBest();
    run.bestParameters = c.bestParameters();
    run.history.addAll(c.history());
    return run;
  }

  private void writeCheckpoint(Learner learner, Run run) {
    Checkpoint c = new Checkpoint(run.epoch, learner.parameterTensors(),
        learner.optimizerSnapshot(), run.baseLearningRate, run.rng.state(), run.order,
        run.bestEpoch, run.bestLoss, run.sinceBest, run.bestParameters, run.history);
    try {
      c.write(b.checkpointDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The mutable state of one fit: what a checkpoint saves besides the network. */
  private static final class Run {
    SplitMix64 rng;
    final int[] order;
    final double baseLearningRate;
    final List<EpochReport> history = new ArrayList<>();
    int epoch;
    int bestEpoch;
    double bestLoss = Double.POSITIVE_INFINITY;
    int sinceBest;
    Map<String, Tensor> bestParameters = Map.of();
    /** The JIT warm-up while it lasts ({@link Builder#warmUp}), else null; not checkpointed. */
    JitWarmUp warmUp;

    Run(long seed, int[] order, double baseLearningRate) {
      this.rng = new SplitMix64(seed);
      this.order = order;
      this.baseLearningRate = baseLearningRate;
    }

    boolean stopped(int patience) {
      return patience > 0 && sinceBest >= patience;
    }
  }

  /** Options of a {@link Trainer}; each setter validates its argument. */
  public static final class Builder {
    private int epochs = 10;
    private int batchSize = 32;
    private boolean shuffle = true;
    private long seed;
    private double validationSplit;
    private Dataset validationData;
    private int patience;
    private LrSchedule schedule = new LrSchedule.Constant();
    private Path checkpointDir;
    private Path resumeDir;
    private int threads = 1;
    private boolean warmUp;
    private LossReduction reduction = LossReduction.MEAN;
    private Accuracy accuracy = Accuracy.NONE;
    private List<TrainingListener> listeners = new ArrayList<>();

    private Builder() {}

    private Builder copy() {
      Builder c = new Builder();
      c.epochs = epochs;
      c.batchSize = batchSize;
      c.shuffle = shuffle;
      c.seed = seed;
      c.validationSplit = validationSplit;
      c.validationData = validationData;
      c.patience = patience;
      c.schedule = schedule;
      c.checkpointDir = checkpointDir;
      c.resumeDir = resumeDir;
      c.threads = threads;
      c.warmUp = warmUp;
      c.reduction = reduction;
      c.accuracy = accuracy;
      c.listeners = List.copyOf(listeners);
      return c;
    }

    /** Passes over the data, counting those of a resumed checkpoint (≥ 1). */
    public Builder epochs(int epochs) {
      this.epochs = atLeast("epochs", epochs, 1);
      return this;
    }

    /** Examples per optimizer step (≥ 1; the last batch of an epoch may be smaller). */
    public Builder batchSize(int batchSize) {
      this.batchSize = atLeast("batch size", batchSize, 1);
      return this;
    }

    /** Whether to reshuffle the examples every epoch (default true). */
    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** Seed of the shuffling (SplitMix64, the same on every JDK). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Holds out the last {@code fraction} of the examples (before shuffling, as Keras does) as
     * validation data; 0 for none.
     */
    public Builder validationSplit(double fraction) {
      if (!(fraction >= 0 && fraction < 1)) {
        throw new IllegalArgumentException("the validation split must be in [0, 1), not "
            + fraction);
      }
      this.validationSplit = fraction;
      return this;
    }

    /** Separate validation data, evaluated after every epoch (null for none). */
    public Builder validationData(Dataset data) {
      this.validationData = data;
      return this;
    }

    /**
     * Stops after {@code patience} epochs without a lower validation loss and restores the
     * parameters of the best epoch (which it also does when the epochs run out); 0 turns it off.
     */
    public Builder earlyStopping(int patience) {
      this.patience = atLeast("patience", patience, 0);
      return this;
    }

    /** The learning-rate schedule, stepped after every epoch. */
    public Builder schedule(LrSchedule schedule) {
      this.schedule = java.util.Objects.requireNonNull(schedule, "schedule");
      return this;
    }

    /** Writes {@code DIR/checkpoint.safetensors} atomically after every epoch (null: none). */
    public Builder checkpoints(Path dir) {
      this.checkpointDir = dir;
      return this;
    }

    /**
     * Continues from {@code DIR/checkpoint.safetensors}: with the same data and options, the
     * result is bit-identical to a run that was never interrupted.
     */
    public Builder resumeFrom(Path dir) {
      this.resumeDir = dir;
      return this;
    }

    /** Threads for data-parallel mini-batches (1 to 256). */
    public Builder threads(int threads) {
      if (threads < 1 || threads > 256) {
        throw new IllegalArgumentException("threads must be between 1 and 256, not " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Whether the first steps wait for the JIT ({@link JitWarmUp}; default false): until their
     * time per group of steps has settled, a step split over threads ({@link
     * Learner#splitsSteps}) runs its parts one after another on the calling thread, leaving the
     * other cores to the compiler, and then on the threads. They are the run's own steps, with
     * the same bits either way; only the time differs (replicas, or one thread, train as
     * without). The listeners hear of it ({@link TrainingListener#onWarmUp}) when it ends, or
     * when training ends first.
     */
    public Builder warmUp(boolean warmUp) {
      this.warmUp = warmUp;
      return this;
    }

    /** The network's loss reduction (default mean): weights shards and validation chunks. */
    public Builder reduction(LossReduction reduction) {
      this.reduction = java.util.Objects.requireNonNull(reduction, "reduction");
      return this;
    }

    /** How validation predictions are scored besides the loss (default none). */
    public Builder accuracy(Accuracy accuracy) {
      this.accuracy = java.util.Objects.requireNonNull(accuracy, "accuracy");
      return this;
    }

    /** Adds a listener for per-step and per-epoch progress. */
    public Builder listener(TrainingListener listener) {
      listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The trainer with these options. */
    public Trainer build() {
      return new Trainer(this);
    }

    private static int atLeast(String what, int value, int min) {
      if (value < min) {
        throw new IllegalArgumentException(what + " must be at least " + min + ", not " + value);
      }
      return value;
    }
  }
}
