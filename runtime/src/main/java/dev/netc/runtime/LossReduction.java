package dev.netc.runtime;

/**
 * How a network's loss combines the examples of a mini-batch (its {@code reduction}, as
 * PyTorch's); the compiler's IR uses it, and a {@link ParallelTrainer} needs it to weight the
 * gradients of the shards of a batch.
 */
public enum LossReduction {
  /** Mean over the batch (and over the outputs for mse and binary_cross_entropy). */
  MEAN,
  /** Plain sum. */
  SUM;

  /** The DSL keyword: {@code mean} or {@code sum}. */
  public String keyword() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The factor that turns the reduced gradient of a shard of {@code shardSize} examples into its
   * share of the reduced gradient of the whole batch of {@code batchSize} examples.
   *
   * <p>A reduced gradient is the per-example sum S times a scale c(n): 1 for sum, 1/n for
   * cross_entropy with mean, 1/(n·outputs) for mse and binary_cross_entropy with mean. The batch
   * needs c(batch)·ΣS_k = Σ (c(batch)/c(shard_k))·g_k, and c(batch)/c(shard) is shard/batch for
   * every mean (the outputs factor cancels) and 1 for sum.
   */
  public double shardWeight(int shardSize, int batchSize) {
    return this == SUM ? 1.0 : (double) shardSize / batchSize;
  }
}
