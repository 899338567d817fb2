package dev.netc.runtime;

import java.util.concurrent.locks.LockSupport;

/**
 * Threads that share the work of one training step of one network: the calling thread and
 * {@code threads() - 1} helpers run each phase of the step side by side, each on its own part
 * (rows of a layer, examples of a chunk, a slice of the parameters), and meet after it.
 *
 * <p>Unlike {@link ParallelTrainer}, which trains a replica per thread on a shard of the batch
 * and then sums the shards' gradients, a team splits the step itself: there is one copy of the
 * parameters and of the gradient, no reduction, and every value is computed by the same
 * operations in the same order as on one thread, so the results are the same bits whatever the
 * team's size. A generated class that can split its steps says so ({@link
 * TrainableFloatNetwork#splitsSteps()}) and takes a team with {@code useStepTeam}.
 *
 * <p>Phases are short (tens of µs), so a waiting thread spins for {@code netc.team.spinMicros}
 * (default 5 µs), then yields its core until {@code netc.team.parkMicros} (default 200 µs) have
 * passed, and a helper then parks, so that an idle team costs no CPU; the caller wakes it with
 * the next phase. The yields matter while the JIT compiles the network: on two cores, two
 * threads that only spun left the compiler threads no core, and the warm-up and first epoch of
 * the Fashion MLP took 1.3 and 1.6 s on two threads against 0.9 and 1.4 s on one. Not
 * thread-safe: one caller at a time. The helpers are daemons; {@link #close()} stops them.
 */
public final class StepTeam implements AutoCloseable {

  /** The phases of a step: phase {@code phase}'s part {@code part} of {@code parts}. */
  @FunctionalInterface
  public interface Phases {
    void run(int phase, int part, int parts);
  }

  /** How long a waiting thread spins before it yields its core. */
  static final long SPIN_NANOS = ParallelTrainer.micros("netc.team.spinMicros", 5);

  /** How long a helper waits for the next phase before it parks. */
  static final long PARK_NANOS = Math.max(SPIN_NANOS,
      ParallelTrainer.micros("netc.team.parkMicros", 200));

  private final int threads;
  private final Helper[] helpers;
  // Written by the caller before it publishes a phase (the volatile write of posted).
  private Phases work;
  private int phase;
  private volatile long posted;
  private volatile boolean closed;

  private StepTeam(int threads, boolean oneCore) {
    this.threads = threads;
    this.helpers = new Helper[oneCore ? 0 : threads - 1];
    for (int k = 1; k <= helpers.length; k++) {
      helpers[k - 1] = new Helper(k);
    }
    for (Helper h : helpers) {
      h.thread.start();
    }
  }

  /** A team of {@code threads} threads in all, the caller included (1 to 256). */
  public static StepTeam of(int threads) {
    if (threads < 1 || threads > 256) {
      throw new IllegalArgumentException("threads must be between 1 and 256, not " + threads);
    }
    return new StepTeam(threads, false);
  }

  /**
   * A team that splits steps into {@code parts} parts, as {@link #of} does, but runs them all on
   * the calling thread, one after another: the same code with the same parts, so the JIT
   * compiles what a team of {@code parts} threads runs, while the other cores stay free for the
   * JIT's compiler threads. {@code netc train} warms up on one. A part that throws ends the
   * phase there.
   */
  public static StepTeam rehearsal(int parts) {
    if (parts < 1 || parts > 256) {
      throw new IllegalArgumentException("parts must be between 1 and 256, not " + parts);
    }
    return new StepTeam(parts, true);
  }

  /** Threads in the team, the caller included. */
  public int threads() {
    return threads;
  }

  /**
   * Runs part 0 of {@code phase} on the calling thread and the other parts on the helpers (a
   * {@link #rehearsal}: all of them on the calling thread); returns when all are done. A part
   * that throws is rethrown here (after the others finished).
   */
  public void run(Phases work, int phase) {
    if (closed) {
      throw new IllegalStateException("the team is closed");
    }
    if (helpers.length == 0) {
      for (int part = 0; part < threads; part++) {
        work.run(phase, part, threads);
      }
      return;
    }
    this.work = work;
    this.phase = phase;
    long token = posted + 1;
    posted = token;
    for (Helper h : helpers) {
      if (h.parked) {
        LockSupport.unpark(h.thread);
      }
    }
    Throwable failure = null;
    try {
      work.run(phase, 0, threads);
    } catch (Throwable t) {
      failure = t;
    }
    long start = 0;
    for (Helper h : helpers) {
      while (h.finished != token) {
        if (start == 0) {
          start = System.nanoTime();
        }
        if (System.nanoTime() - start < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          // The helper lost its core, or the JIT wants one: let them have ours.
          Thread.yield();
        }
      }
      if (h.failure != null && failure == null) {
        failure = h.failure;
        h.failure = null;
      }
    }
    this.work = null;
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }

  /** Stops the helpers; the team cannot run phases afterwards. */
  @Override
  public void close() {
    closed = true;
    for (Helper h : helpers) {
      LockSupport.unpark(h.thread);
    }
  }

  private final class Helper implements Runnable {
    final int part;
    final Thread thread;
    volatile long finished;
    volatile boolean parked;
    // Written before finished, read by the caller after it.
    Throwable failure;

    Helper(int part) {
      this.part = part;
      this.thread = new Thread(this, "netc-team-" + part);
      thread.setDaemon(true);
    }

    @Override
    public void run() {
      long seen = 0;
      while (!closed) {
        long token = posted;
        if (token == seen) {
          waitForWork(seen);
          continue;
        }
        seen = token;
        try {
          work.run(phase, part, threads);
        } catch (Throwable t) {
          failure = t;
        }
        finished = token;
      }
    }

    /** Spins, then yields, for the next phase, then parks until the caller posts one. */
    private void waitForWork(long seen) {
      long start = System.nanoTime();
      while (posted == seen && !closed) {
        long waited = System.nanoTime() - start;
        if (waited < SPIN_NANOS) {
          Thread.onSpinWait();
          continue;
        }
        if (waited < PARK_NANOS) {
          Thread.yield();
          continue;
        }
        // The caller reads parked after it writes posted, this thread posted after parked:
        // one of the two sees the other's write, so a phase never waits for a parked helper.
        parked = true;
        if (posted == seen && !closed) {
          LockSupport.park(this);
        }
        parked = false;
      }
    }
  }
}
