package dev.netc.runtime;

/**
 * Data-parallel mini-batch training on a fixed number of threads, with results that do not depend
 * on scheduling.
 *
 * <p>The trainer keeps one replica of the network per thread ({@code copy()}); the calling thread
 * works on the master itself. A batch of n rows is split into contiguous shards, n/T rows each
 * (the first n mod T shards one more); every thread computes the reduced gradient of its shard;
 * the shard gradients are combined in the fixed order 0, 1, …, T-1 with the weights of
 * {@link LossReduction#shardWeight} (each thread combines one slice of the parameters, which does
 * not change any sum); then every thread applies the same optimizer step to its own replica, so
 * master and replicas stay bit-identical without copying parameters. With one thread it is exactly
 * {@code trainBatch}. With T threads it differs from one thread only by float rounding: the batch
 * is summed as T partial sums instead of one running sum.
 *
 * <p>While a trainer is open it owns the master's parameters and optimizer state: change them
 * only through it, or call {@link #sync()} afterwards. Not thread-safe: one caller at a time.
 * The worker threads are daemons; {@link #close()} stops them.
 */
public abstract sealed class ParallelTrainer implements AutoCloseable
    permits ParallelFloatTrainer, ParallelDoubleTrainer {
  /**
   * How long a thread spins at a meeting before it yields: {@code netc.parallel.spinMicros},
   * default 2 µs. Then it yields its core until {@code netc.parallel.yieldMicros} (default 100 µs)
   * have passed, then parks. Measured with benchmarks/parallel/BarrierCost.java (2 threads, 3
   * meetings around 110 µs of work, overhead per step): on a quiet 2-core machine 1.1 µs, against
   * 64 µs for parking at once; with a busy process on one core 149 µs against 126, since a waiting
   * thread then competes with its partner for a core.
   */
  static final long SPIN_NANOS = micros("netc.parallel.spinMicros", 2);

  /** Until when a waiting thread yields before it parks; see {@link #SPIN_NANOS}. */
  static final long YIELD_NANOS = micros("netc.parallel.yieldMicros", 100);

  /** Parameter slices are multiples of this many elements, so threads never share a cache line. */
  private static final int SLICE_ALIGN = 16;

  final int threads;
  final LossReduction reduction;
  final int[] shardStart;
  final int[] shardSize;
  final double[] shardWeight;
  final int[] sliceStart;
  int activeShards;

  private final StepBarrier barrier;
  private final Thread[] workers;
  private final Throwable[] failures;
  // Written by the caller before the first meeting of a round; the barrier publishes it.
  private Mode mode = Mode.STEP;
  private volatile boolean broken;

  ParallelTrainer(int threads, LossReduction reduction, int parameterCount) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, not " + threads);
    }
    if (reduction == null) {
      throw new NullPointerException("reduction");
    }
    this.threads = threads;
    this.reduction = reduction;
    this.shardStart = new int[threads];
    this.shardSize = new int[threads];
    this.shardWeight = new double[threads];
    this.sliceStart = new int[threads + 1];
    int per = (parameterCount / threads + SLICE_ALIGN - 1) / SLICE_ALIGN * SLICE_ALIGN;
    for (int k = 0; k <= threads; k++) {
      sliceStart[k] = Math.min(parameterCount, k * per);
    }
    this.failures = new Throwable[threads];
    this.barrier = new StepBarrier(threads, SPIN_NANOS, YIELD_NANOS);
    this.workers = new Thread[threads - 1];
  }

  /** A trainer for a float network on {@code threads} threads (1 = plain trainBatch). */
  public static ParallelFloatTrainer of(TrainableFloatNetwork master, LossReduction reduction,
      int threads) {
    return new ParallelFloatTrainer(master, reduction, threads);
  }

  /** A trainer for a double network (or the interpreter) on {@code threads} threads. */
  public static ParallelDoubleTrainer of(TrainableDoubleNetwork master, LossReduction reduction,
      int threads) {
    return new ParallelDoubleTrainer(master, reduction, threads);
  }

  /** Number of threads, the caller's included. */
  public int threads() {
    return threads;
  }

  /** The reduction the shard gradients are weighted for. */
  public LossReduction reduction() {
    return reduction;
  }

  /** Starts the worker threads; called once the subclass has made its replicas. */
  final void start() {
    for (int k = 1; k < threads; k++) {
      int index = k;
      Thread t = new Thread(() -> workerLoop(index), "netc-trainer-" + k);
      t.setDaemon(true);
      workers[k - 1] = t;
      barrier.register(k, t);
    }
    for (Thread t : workers) {
      t.start();
    }
  }

  /** Computes the gradient and loss of shard {@code k} on replica {@code k} (0 = the master). */
  abstract void computeShard(int k);

  /** Combines the shard gradients over parameter indices [from, to). */
  abstract void reduceSlice(int from, int to);

  /** Applies the combined gradient to replica {@code k} (0 = the master). */
  abstract void stepReplica(int k);

  /** Splits a batch of {@code n} rows into contiguous shards with their weights. */
  final void plan(int n) {
    int base = n / threads;
    int extra = n % threads;
    int from = 0;
    activeShards = 0;
    for (int k = 0; k < threads; k++) {
      int size = base + (k < extra ? 1 : 0);
      shardStart[k] = from;
      shardSize[k] = size;
      shardWeight[k] = size == 0 ? 0 : reduction.shardWeight(size, n);
      if (size > 0) {
        activeShards++;
      }
      from += size;
    }
  }

  /** Runs one parallel step on the calling thread as party 0; throws a shard's failure. */
  final void runStep(int n) {
    checkOpen();
    if (broken) {
      throw new IllegalStateException("a replica failed its optimizer step; call sync()");
    }
    plan(n);
    mode = Mode.STEP;
    barrier.register(0, Thread.currentThread());
    barrier.await();
    runShard(0);
    barrier.await();
    Throwable failure = firstFailure();
    if (failure != null) {
      // Every thread saw the same failures at the barrier and skips the step: nothing changed.
      // One more meeting, so that no worker is still reading the failures when they are cleared.
      barrier.await();
      java.util.Arrays.fill(failures, null);
      throwUnchecked(failure);
    }
    reduceSlice(sliceStart[0], sliceStart[1]);
    barrier.await();
    stepReplica(0);
    // No barrier here: a worker finishes its own step before it reaches the next meeting.
  }

  private void runShard(int k) {
    try {
      if (shardSize[k] > 0) {
        computeShard(k);
      }
    } catch (RuntimeException | Error e) {
      failures[k] = e;
    }
  }

  private Throwable firstFailure() {
    for (Throwable t : failures) {
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  private void workerLoop(int k) {
    while (true) {
      barrier.await();
      if (mode == Mode.CLOSE) {
        return;
      }
      if (mode == Mode.SYNC) {
        copyMasterToReplica(k);
        barrier.await();
        continue;
      }
      runShard(k);
      barrier.await();
      if (firstFailure() != null) {
        barrier.await();
        continue;
      }
      reduceSlice(sliceStart[k], sliceStart[k + 1]);
      barrier.await();
      try {
        stepReplica(k);
      } catch (RuntimeException | Error e) {
        broken = true;
      }
    }
  }

  /**
   * Makes every replica a fresh copy of the master, after its parameters or optimizer state were
   * changed outside the trainer (e.g. {@code setParameters}, {@code resetOptimizer}).
   */
  public final void sync() {
    checkOpen();
    mode = Mode.SYNC;
    barrier.register(0, Thread.currentThread());
    // The workers copy the master in parallel while the caller, who owns it, waits.
    barrier.await();
    barrier.await();
    broken = false;
  }

  private void checkOpen() {
    if (mode == Mode.CLOSE) {
      throw new IllegalStateException("the trainer is closed");
    }
  }

  /** Replaces replica {@code k} (k ≥ 1) by a copy of the master; runs on worker {@code k}. */
  abstract void copyMasterToReplica(int k);

  /** Stops and joins the worker threads; the master keeps its trained state. Idempotent. */
  @Override
  public void close() {
    if (mode == Mode.CLOSE) {
      return;
    }
    mode = Mode.CLOSE;
    if (workers.length == 0) {
      return;
    }
    barrier.register(0, Thread.currentThread());
    barrier.await();
    boolean interrupted = false;
    for (Thread t : workers) {
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  static long micros(String property, long defaultMicros) {
    return Math.max(0, Long.getLong(property, defaultMicros)) * 1000;
  }

  /** What the workers do after the first meeting of a round. */
  private enum Mode {
    STEP, SYNC, CLOSE
  }

  private static void throwUnchecked(Throwable t) {
    if (t instanceof RuntimeException r) {
      throw r;
    }
    throw (Error) t;
  }
}
