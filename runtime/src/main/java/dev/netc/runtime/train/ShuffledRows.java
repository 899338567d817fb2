package dev.netc.runtime.train;

import dev.netc.runtime.ParallelDoubleTrainer;
import dev.netc.runtime.ParallelFloatTrainer;
import dev.netc.runtime.io.Dataset;

/**
 * The rows {@code order[from]}, {@code order[from + 1]}, … of a dataset as a trainer's batch:
 * each of the trainer's threads gathers its own shard's rows. One object per learner, reset
 * every step, so a step allocates nothing.
 */
final class ShuffledRows implements ParallelFloatTrainer.Rows, ParallelDoubleTrainer.Rows {
  private Dataset data;
  private int[] order;
  private int from;

  /** The batch of the next step: rows {@code order[from]} on of {@code data}. */
  ShuffledRows of(Dataset data, int[] order, int from) {
    this.data = data;
    this.order = order;
    this.from = from;
    return this;
  }

  @Override
  public void copy(int start, int size, float[] xs, float[] targets) {
    data.gather(order, from + start, size, xs, targets);
  }

  @Override
  public void copy(int start, int size, double[] xs, double[] targets) {
    data.gather(order, from + start, size, xs, targets);
  }
}
