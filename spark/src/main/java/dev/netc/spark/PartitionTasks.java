package dev.netc.spark;

import dev.netc.runtime.LossReduction;
import dev.netc.runtime.TrainableFloatNetwork;
import java.io.Serializable;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * What runs on the executors: one partition's share of a synchronous step, or of a local-SGD
 * round. Only this record and the broadcast parameters travel with a task.
 *
 * @param trainerId the key of the executor-side {@link Worker} pool
 * @param factory makes the network on an executor
 * @param plan the batch plan of the epoch
 * @param epoch the epoch (selects the row order)
 * @param reduction the network's loss reduction (weights of the partitions' gradients)
 */
record PartitionTasks(String trainerId, NetworkFactory<? extends TrainableFloatNetwork> factory,
    BatchPlan plan, int epoch, LossReduction reduction) implements Serializable {

  /**
   * Adds this partition's weighted gradient and loss of step {@code step}, at the broadcast
   * parameters, to the running sum.
   */
  Function2<GradientSum, Block, GradientSum> gradient(Broadcast<float[]> parameters, int step) {
    return (sum, block) -> onWorker(sum, block, (w, share) -> {
      w.net.setParameters(parameters.value());
      gather(w, block, step, share);
      float loss = w.net.gradient(w.xs, w.ts, share, w.vector);
      float weight = (float) reduction.shardWeight(share, plan.globalBatch());
      return sum.add(weight, loss, w.vector);
    });
  }

  /**
   * Trains this partition's replica for steps {@code [from, to)} on its shares, starting from the
   * broadcast {@code start} (the master's parameters then its optimizer state), the master's step
   * count and learning rate; adds the replica's parameters and optimizer state weighted by its
   * share of the global batch (so the sum is the average) and its summed weighted losses.
   */
  Function2<GradientSum, Block, GradientSum> localRound(Broadcast<float[]> start, long stepCount,
      double learningRate, int from, int to) {
    return (sum, block) -> onWorker(sum, block, (w, share) -> {
      float[] both = start.value();
      System.arraycopy(both, 0, w.vector, 0, w.vector.length);
      System.arraycopy(both, w.vector.length, w.state, 0, w.state.length);
      w.net.setParameters(w.vector);
      w.net.setOptimizerState(w.state);
      w.net.setOptimizerStepCount(stepCount);
      w.net.setLearningRate(learningRate);
      double loss = 0;
      for (int step = from; step < to; step++) {
        gather(w, block, step, share);
        loss += w.net.trainBatch(w.xs, w.ts, share);
      }
      w.net.getParameters(w.vector);
      w.net.getOptimizerState(w.state);
      float weight = (float) share / plan.globalBatch();
      return sum.add(weight, loss, w.vector, w.state);
    });
  }

  /** Runs {@code work} on a pooled worker with the partition's share; no share, no work. */
  private GradientSum onWorker(GradientSum sum, Block block, ShareWork work) {
    int share = plan.shares()[block.partition()];
    if (share == 0) {
      return sum;
    }
    Worker w = Worker.take(trainerId, factory);
    try {
      return work.run(w, share);
    } finally {
      Worker.give(trainerId, w);
    }
  }

  /** A partition's work on its worker and its share of rows per step. */
  private interface ShareWork {
    GradientSum run(Worker w, int share);
  }

  private void gather(Worker w, Block block, int step, int share) {
    int in = w.net.inputSize();
    int tw = w.net.targetWidth();
    w.reserve(share, in, tw);
    block.gather(w.order(plan, block.partition(), epoch), step * share, share, in, tw, w.xs,
        w.ts);
  }
}
