package dev.netc.spark;

import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.io.Dataset;
import java.util.Arrays;

/**
 * Which rows make up each global batch of an epoch: the pure function that lets a distributed
 * run and a single-machine run train on the same batches in the same order.
 *
 * <p>Each step takes {@code share(p)} rows from partition {@code p}: the global batch split in
 * proportion to the partition sizes (largest remainder, ties to the lower partition), so the
 * shares add up to the global batch exactly. In epoch {@code e} partition {@code p} visits its
 * rows in the order {@link #order(int, int)} (a seeded shuffle, or the stored order), step
 * {@code s} taking positions {@code [s·share(p), (s+1)·share(p))}. The global batch of a step is
 * partition 0's share, then partition 1's, and so on. An epoch has as many steps as the partition
 * that runs out first allows; rows left over are dropped for that epoch (with shuffling, other
 * rows are dropped in the next one), as the single-machine trainer drops a last partial batch.
 *
 * @param partitionSizes rows in each partition, in partition order
 * @param globalBatch rows per optimizer step, over all partitions
 * @param seed the shuffle seed
 * @param shuffle whether each epoch visits a partition's rows in a new seeded order
 */
public record BatchPlan(int[] partitionSizes, int globalBatch, long seed, boolean shuffle)
    implements java.io.Serializable {

  /** Validates the sizes and copies the array. */
  public BatchPlan {
    partitionSizes = partitionSizes.clone();
    long total = 0;
    for (int n : partitionSizes) {
      if (n < 0) {
        throw new IllegalArgumentException("negative partition size " + n);
      }
      total += n;
    }
    if (globalBatch < 1) {
      throw new IllegalArgumentException("global batch " + globalBatch + " is not positive");
    }
    if (globalBatch > total) {
      throw new IllegalArgumentException(
          "global batch " + globalBatch + " is larger than the " + total + " training rows");
    }
  }

  /** Rows per partition, in partition order (a copy). */
  @Override
  public int[] partitionSizes() {
    return partitionSizes.clone();
  }

  /** Number of partitions. */
  public int partitions() {
    return partitionSizes.length;
  }

  /** Rows each partition contributes to every global batch. */
  public int[] shares() {
    long total = Arrays.stream(partitionSizes).asLongStream().sum();
    int p = partitionSizes.length;
    int[] shares = new int[p];
    long[] remainder = new long[p];
    int given = 0;
    for (int k = 0; k < p; k++) {
      long scaled = (long) globalBatch * partitionSizes[k];
      shares[k] = (int) (scaled / total);
      remainder[k] = scaled % total;
      given += shares[k];
    }
    for (; given < globalBatch; given++) {
      int best = -1;
      for (int k = 0; k < p; k++) {
        if (remainder[k] > 0 && (best < 0 || remainder[k] > remainder[best])) {
          best = k;
        }
      }
      shares[best]++;
      remainder[best] = 0;
    }
    return shares;
  }

  /** Optimizer steps per epoch: as many as the partition that runs out first allows. */
  public int steps() {
    int[] shares = shares();
    int steps = Integer.MAX_VALUE;
    for (int k = 0; k < shares.length; k++) {
      if (shares[k] > 0) {
        steps = Math.min(steps, partitionSizes[k] / shares[k]);
      }
    }
    return steps;
  }

  /** Rows trained on per epoch: steps times the global batch. */
  public long samplesPerEpoch() {
    return (long) steps() * globalBatch;
  }

  /** The order in which partition {@code partition} visits its rows in epoch {@code epoch}. */
  public int[] order(int partition, int epoch) {
    int n = partitionSizes[partition];
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (shuffle) {
      // One independent stream per (epoch, partition): no partition depends on another's size.
      Dataset.shuffle(order, new SplitMix64(new SplitMix64(seed, epoch).nextLong(), partition));
    }
    return order;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchPlan b && Arrays.equals(partitionSizes, b.partitionSizes)
        && globalBatch == b.globalBatch && seed == b.seed && shuffle == b.shuffle;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(partitionSizes) * 31 + Long.hashCode(seed) * 7 + globalBatch
        + (shuffle ? 1 : 0);
  }

  @Override
  public String toString() {
    return "BatchPlan[partitionSizes=" + Arrays.toString(partitionSizes) + ", globalBatch="
        + globalBatch + ", seed=" + seed + ", shuffle=" + shuffle + "]";
  }
}
