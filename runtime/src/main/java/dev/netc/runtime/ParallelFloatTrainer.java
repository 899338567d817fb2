package dev.netc.runtime;

import java.util.Arrays;

/**
 * A {@link ParallelTrainer} for a {@link TrainableFloatNetwork}; see there for the algorithm and
 * the determinism guarantee. Allocates nothing per step once it has seen its largest batch.
 */
public final class ParallelFloatTrainer extends ParallelTrainer {
  private final TrainableFloatNetwork master;
  private final TrainableFloatNetwork[] replicas;
  private final float[][] grads;
  private final float[] combined;
  private final float[] losses;
  private final float[][] shardXs;
  private final float[][] shardTargets;
  private float[] xs;
  private Rows rows;
  private float[] targets;

  ParallelFloatTrainer(TrainableFloatNetwork master, LossReduction reduction, int threads) {
    super(threads, reduction, master.parameterCount());
    this.master = master;
    int p = master.parameterCount();
    this.replicas = new TrainableFloatNetwork[threads];
    this.grads = new float[threads][];
    replicas[0] = master;
    for (int k = 0; k < threads; k++) {
      if (k > 0) {
        replicas[k] = master.copy();
      }
      grads[k] = new float[threads > 1 ? p : 0];
    }
    this.combined = new float[threads > 1 ? p : 0];
    this.losses = new float[threads];
    this.shardXs = new float[threads][0];
    this.shardTargets = new float[threads][0];
    start();
  }

  /** The network being trained (replica 0); read its parameters between steps. */
  public TrainableFloatNetwork master() {
    return master;
  }

  /**
   * One optimizer step on the batch of {@code n} rows of {@code xs} and {@code targets}, as
   * {@link TrainableFloatNetwork#trainBatch}; returns the batch loss before the update.
   */
  public float trainBatch(float[] xs, float[] targets, int n) {
    if (threads == 1) {
      return master.trainBatch(xs, targets, n);
    }
    if (n < 1) {
      throw new IllegalArgumentException("batch size " + n + " is not positive");
    }
    checkLength("input", xs.length, (long) n * master.inputSize());
    checkLength("target", targets.length, (long) n * master.targetWidth());
    this.xs = xs;
    this.targets = targets;
    runStep(n);
    this.xs = null;
    this.targets = null;
    float loss = 0;
    for (int k = 0; k < activeShards; k++) {
      loss += (float) shardWeight[k] * losses[k];
    }
    return loss;
  }

  /**
   * Where the rows of a batch come from when they are not in one array (as the shuffled rows of a
   * dataset): copies rows {@code from} to {@code from + size - 1} of the batch to {@code xs} and
   * {@code targets}, from index 0. Called by each thread for the rows of its own shard, at once,
   * so it must only read what it copies from.
   */
  @FunctionalInterface
  public interface Rows {
    /** Copies {@code size} rows of the batch, from row {@code from} on, to the arrays' start. */
    void copy(int from, int size, float[] xs, float[] targets);
  }

  /**
   * One optimizer step on a batch of {@code n} rows that {@code rows} copies, each thread its own
   * shard's rows (so the copy runs in parallel with the other shards' copies): the same step,
   * bit for bit, as {@link #trainBatch(float[], float[], int)} on the same rows in one array.
   */
  public float trainBatch(Rows rows, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("batch size " + n + " is not positive");
    }
    this.rows = java.util.Objects.requireNonNull(rows, "rows");
    try {
      if (threads == 1) {
        ensureShardArrays(0, n);
        rows.copy(0, n, shardXs[0], shardTargets[0]);
        return master.trainBatch(shardXs[0], shardTargets[0], n);
      }
      runStep(n);
    } finally {
      this.rows = null;
    }
    float loss = 0;
    for (int k = 0; k < activeShards; k++) {
      loss += (float) shardWeight[k] * losses[k];
    }
    return loss;
  }

  /** Grows shard {@code k}'s arrays to hold {@code size} rows (never shrinks them). */
  private void ensureShardArrays(int k, int size) {
    if (shardXs[k].length < size * master.inputSize()) {
      shardXs[k] = new float[size * master.inputSize()];
      shardTargets[k] = new float[size * master.targetWidth()];
    }
  }

  @Override
  void computeShard(int k) {
    int size = shardSize[k];
    if (rows != null) {
      ensureShardArrays(k, size);
      rows.copy(shardStart[k], size, shardXs[k], shardTargets[k]);
      losses[k] = replicas[k].gradient(shardXs[k], shardTargets[k], size, grads[k]);
      return;
    }
    if (k == 0) {
      // Shard 0 starts at row 0, so the master reads the caller's arrays in place.
      losses[0] = master.gradient(xs, targets, size, grads[0]);
      return;
    }
    int in = master.inputSize();
    int tw = master.targetWidth();
    ensureShardArrays(k, size);
    System.arraycopy(xs, shardStart[k] * in, shardXs[k], 0, size * in);
    System.arraycopy(targets, shardStart[k] * tw, shardTargets[k], 0, size * tw);
    losses[k] = replicas[k].gradient(shardXs[k], shardTargets[k], size, grads[k]);
  }

  @Override
  void reduceSlice(int from, int to) {
    // Shard order is fixed, so every slice sums the same way whichever thread takes it; float
    // weights keep the loops in float, which C2 vectorizes.
    float w0 = (float) shardWeight[0];
    float[] g0 = grads[0];
    for (int i = from; i < to; i++) {
      combined[i] = w0 * g0[i];
    }
    for (int k = 1; k < activeShards; k++) {
      float w = (float) shardWeight[k];
      float[] g = grads[k];
      for (int i = from; i < to; i++) {
        combined[i] += w * g[i];
      }
    }
  }

  @Override
  void stepReplica(int k) {
    replicas[k].optimizerStep(combined);
  }

  @Override
  void copyMasterToReplica(int k) {
    replicas[k] = master.copy();
  }

  private static void checkLength(String what, int actual, long needed) {
    if (actual < needed) {
      throw new IllegalArgumentException(
          what + " array has length " + actual + " but needs at least " + needed);
    }
  }

  @Override
  public String toString() {
    return "ParallelFloatTrainer[threads=" + threads + ", reduction=" + reduction + ", shards="
        + Arrays.toString(shardSize) + "]";
  }
}
