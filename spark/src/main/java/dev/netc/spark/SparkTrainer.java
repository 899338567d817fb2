package dev.netc.spark;

import dev.netc.runtime.LossReduction;
import dev.netc.runtime.OptimizerLayout;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * Trains a generated network on a Spark cluster, data-parallel over the partitions of a
 * {@link TrainingData}.
 *
 * <p><b>Synchronous</b> ({@link #trainEpoch}): for every global batch of the {@link BatchPlan}
 * the driver broadcasts the parameters, one Spark job of one stage has every partition compute
 * the reduced gradient of its share with the generated class, the driver adds the shares'
 * gradients (weighted as {@link LossReduction#shardWeight}) and losses in partition order (or
 * {@code treeAggregate} does, with {@link #treeDepth} 2 or more), and applies the network's own
 * optimizer step to the master. The master then holds what single-machine training on the same
 * global batches, in the same order, gives, up to float rounding (the batch is summed in a
 * different order); the optimizer state never leaves the driver.
 *
 * <p><b>Local SGD</b> ({@link #trainEpochLocalSgd}, opt-in): every partition trains its own copy
 * for {@code period} steps on its shares, starting from the master's parameters, optimizer state,
 * step count and learning rate; then the copies' parameters and optimizer state (momentum
 * buffers, Adam moments) are averaged, weighted by share, into the master, whose step count
 * advances by the round's steps. This needs one job per {@code period} steps instead of one per
 * step, but it is not sequential SGD: the partitions' steps do not see each other's updates.
 *
 * <p>Not thread-safe: one caller at a time. Tasks that fail are retried by Spark; a retried task
 * recomputes its share from the same broadcast parameters, so it changes nothing.
 */
public final class SparkTrainer {
  private final JavaSparkContext sc;
  private final TrainableFloatNetwork master;
  private final NetworkFactory<? extends TrainableFloatNetwork> factory;
  private final LossReduction reduction;
  private final String id = UUID.randomUUID().toString();
  private int treeDepth = 1;

  /**
   * A trainer of {@code master} (the driver's instance, which holds the trained parameters and
   * the optimizer state) whose executors make their instances with {@code factory}.
   *
   * @param reduction the network's loss reduction ({@code MEAN} unless the .net file says sum)
   */
  public SparkTrainer(JavaSparkContext sc, TrainableFloatNetwork master,
      NetworkFactory<? extends TrainableFloatNetwork> factory, LossReduction reduction) {
    this.sc = Objects.requireNonNull(sc, "sc");
    this.master = Objects.requireNonNull(master, "master");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.reduction = Objects.requireNonNull(reduction, "reduction");
  }

  /** The driver's network: the trained parameters and the optimizer state. */
  public TrainableFloatNetwork master() {
    return master;
  }

  /**
   * Sets how the partitions' gradients are added: depth 1 (the default) sends each partition's
   * vector to the driver, which adds them in partition order (the same sum in every run); depth 2
   * or more adds them on the executors first with {@code treeAggregate} of that depth, which
   * spares the driver's memory and network when there are many partitions.
   */
  public SparkTrainer treeDepth(int depth) {
    if (depth < 1) {
      throw new IllegalArgumentException("tree depth " + depth + " is not positive");
    }
    this.treeDepth = depth;
    return this;
  }

  /** One synchronous epoch: {@link BatchPlan#steps()} optimizer steps. */
  public EpochStats trainEpoch(TrainingData data, BatchPlan plan, int epoch) {
    check(data, plan);
    long start = System.nanoTime();
    int steps = plan.steps();
    double loss = 0;
    for (int step = 0; step < steps; step++) {
      loss += step(data, plan, epoch, step);
    }
    return new EpochStats(epoch, loss / steps, steps, plan.samplesPerEpoch(),
        (System.nanoTime() - start) / 1e9);
  }

  /**
   * One synchronous optimizer step on global batch {@code step} of {@code epoch}; returns its
   * loss before the update.
   */
  public float step(TrainingData data, BatchPlan plan, int epoch, int step) {
    check(data, plan);
    if (step < 0 || step >= plan.steps()) {
      throw new IllegalArgumentException(
          "step " + step + " is not in [0, " + plan.steps() + ") of the plan");
    }
    PartitionTasks tasks = new PartitionTasks(id, factory, plan, epoch, reduction);
    float[] parameters = new float[master.parameterCount()];
    master.getParameters(parameters);
    GradientSum total = aggregate(data, parameters, p -> tasks.gradient(p, step));
    master.optimizerStep(total.sum());
    return (float) total.loss();
  }

  /**
   * One epoch of local SGD: rounds of {@code period} steps (the last may be shorter) after each
   * of which the partitions' parameters and optimizer states are averaged into the master.
   * Returns the mean over steps of the share-weighted partition losses.
   */
  public EpochStats trainEpochLocalSgd(TrainingData data, BatchPlan plan, int epoch,
      int period) {
    check(data, plan);
    if (period < 1) {
      throw new IllegalArgumentException("averaging period " + period + " is not positive");
    }
    long start = System.nanoTime();
    int steps = plan.steps();
    PartitionTasks tasks = new PartitionTasks(id, factory, plan, epoch, reduction);
    int parameterCount = master.parameterCount();
    int stateSize = OptimizerLayout.size(master.optimizerStateLayout());
    double loss = 0;
    for (int from = 0; from < steps; from += period) {
      int first = from;
      int to = Math.min(steps, from + period);
      long stepCount = master.optimizerStepCount();
      double lr = master.learningRate();
      GradientSum total = aggregate(data, parametersAndState(parameterCount, stateSize),
          b -> tasks.localRound(b, stepCount, lr, first, to));
      float[] average = total.sum();
      master.setParameters(Arrays.copyOfRange(average, 0, parameterCount));
      master.setOptimizerState(Arrays.copyOfRange(average, parameterCount, average.length));
      // Every replica took to - first steps from the same count: the average did too.
      master.setOptimizerStepCount(stepCount + (to - first));
      loss += total.loss();
    }
    return new EpochStats(epoch, loss / steps, steps, plan.samplesPerEpoch(),
        (System.nanoTime() - start) / 1e9);
  }

  /** A new array of the master's parameters followed by its optimizer state. */
  private float[] parametersAndState(int parameterCount, int stateSize) {
    float[] parameters = new float[parameterCount];
    float[] state = new float[stateSize];
    master.getParameters(parameters);
    master.getOptimizerState(state);
    float[] both = Arrays.copyOf(parameters, parameterCount + stateSize);
    System.arraycopy(state, 0, both, parameterCount, stateSize);
    return both;
  }

  /** Broadcasts {@code vector} and sums {@code task} over the partitions. */
  private GradientSum aggregate(TrainingData data, float[] vector,
      Function<Broadcast<float[]>, Function2<GradientSum, Block, GradientSum>> task) {
    Broadcast<float[]> broadcast = sc.broadcast(vector);
    try {
      Function2<GradientSum, Block, GradientSum> seqOp = task.apply(broadcast);
      return Jobs.run(() -> treeDepth == 1
          ? PartitionSums.run(data.blocks(), seqOp)
          : data.blocks().treeAggregate(new GradientSum(), seqOp, GradientSum::merge, treeDepth));
    } finally {
      broadcast.destroy();
    }
  }

  private void check(TrainingData data, BatchPlan plan) {
    if (!Arrays.equals(data.partitionSizes(), plan.partitionSizes())) {
      throw new IllegalArgumentException("the plan is for other data: partition sizes "
          + Arrays.toString(plan.partitionSizes()) + ", the data has "
          + Arrays.toString(data.partitionSizes()));
    }
    if (data.inputSize() != master.inputSize() || data.targetWidth() != master.targetWidth()) {
      throw new IllegalArgumentException("the data has " + data.inputSize() + " inputs and "
          + data.targetWidth() + " targets per row; the network needs " + master.inputSize()
          + " and " + master.targetWidth());
    }
  }

  /**
   * What an epoch did.
   *
   * @param epoch the epoch number given
   * @param meanLoss the mean of the steps' losses
   * @param steps optimizer steps (synchronous) or steps per partition (local SGD)
   * @param samples rows trained on
   * @param seconds wall-clock time on the driver
   */
  public record EpochStats(int epoch, double meanLoss, int steps, long samples, double seconds) {

    /** Rows trained on per second. */
    public double samplesPerSecond() {
      return samples / seconds;
    }
  }
}
