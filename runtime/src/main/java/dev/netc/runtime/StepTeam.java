package dev.netc.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
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
 *
 * <p>Helper k runs part k of each phase, so that each core keeps its part's data (a layer's
 * rows of weights) in its own cache from one phase to the next, unless it has not claimed that
 * part when the caller has finished part 0 and {@link #STEAL_NANOS} have passed since the
 * phase was posted: the caller then runs it itself. A helper whose core the machine gave to
 * something else for a while (the JIT's compiler threads early on, another process, a busy
 * host) then costs a phase about one thread's time instead of the wait for it. With a busy loop
 * in another process on a 2-core Zen 4 host, two threads waiting for each other ran the Fashion
 * MLP's batch-32 step at 27–41k samples/s and the Small CNN's {@code predict} at 7.9–11.9k
 * images/s, under half of one thread's 67–70k and 24–27k; taking the late parts, 64–66k and
 * 24–26k (docs/performance.md). Each part runs once per phase either way, and a part's work
 * does not depend on the thread that runs it: the results are the same bits.
 */
public final class StepTeam implements AutoCloseable {

  /** The phases of a step: phase {@code phase}'s part {@code part} of {@code parts}. */
  @FunctionalInterface
  public interface Phases {
    void run(int phase, int part, int parts);
  }

  /** How long a waiting thread spins before it yields its core. */
  static final long SPIN_NANOS = ParallelTrainer.micros("netc.team.spinMicros", 5);

  /**
   * How long after posting a phase the caller, done with part 0, leaves a helper to take its
   * part before it runs the part itself ({@code netc.team.stealMicros}, default 5 µs: a helper
   * that spins takes its part within a microsecond; one that has not within 5 µs was yielding,
   * parked or off its core).
   */
  static final long STEAL_NANOS = ParallelTrainer.micros("netc.team.stealMicros", 5);

  /**
   * While it spins, a waiting thread reads the clock once every {@code CLOCK_MASK + 1} spins,
   * not at each (once it yields, at each yield): a reading costs about 25 ns on this project's
   * KVM guests, a quarter of a bare handoff between two cores (100–115 ns), and 7 % of both
   * threads' samples in a two-thread {@code predict} were the clock's. An empty meeting of two
   * threads took 212–635 ns with a reading at each spin and 115–163 ns so (Zen 4 host,
   * docs/performance.md).
   */
  static final int CLOCK_MASK = 31;

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
  /**
   * Per helper's part (1 and up), the last phase (its token) whose part was claimed: part k of
   * phase t is claimed once, by the compare-and-set from t − 1 to t, by helper k or by the
   * caller (index 0 unused: part 0 is always the caller's).
   */
  private final AtomicLongArray claimed;
  /** Parts of the current phase finished (reset before it is posted). */
  private final AtomicInteger finished = new AtomicInteger();
  /** The first failure of a part of the current phase, if any. */
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  private StepTeam(int threads, boolean oneCore) {
    this.threads = threads;
    this.claimed = new AtomicLongArray(threads);
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
   * {@link #rehearsal}: all of them on the calling thread), or on the calling thread where a
   * helper has not taken its part when part 0 is done; returns when all are done. A part that
   * throws is rethrown here (after the others finished).
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
    finished.set(0);
    long token = posted + 1;
    posted = token;
    // The clock after the post: the helpers need not wait for it.
    long postedAt = STEAL_NANOS > 0 ? System.nanoTime() : 0;
    for (Helper h : helpers) {
      if (h.parked) {
        LockSupport.unpark(h.thread);
      }
    }
    runPart(work, phase, 0);
    long start = 0;
    boolean taken = false;
    int spins = 0;
    boolean spinning = true;
    while (finished.get() < threads) {
      if (spinning && (spins++ & CLOCK_MASK) != 0) {
        Thread.onSpinWait();
        continue;
      }
      long now = System.nanoTime();
      if (!taken && (STEAL_NANOS == 0 || now - postedAt >= STEAL_NANOS)) {
        // The parts no helper has taken yet: this thread's, rather than a wait for them.
        for (int part = 1; part < threads; part++) {
          if (claimed.get(part) != token && claimed.compareAndSet(part, token - 1, token)) {
            runPart(work, phase, part);
          }
        }
        taken = true;
        continue;
      }
      if (start == 0) {
        start = now;
      }
      if (now - start < SPIN_NANOS) {
        Thread.onSpinWait();
      } else {
        spinning = false;
        // The helper lost its core, or the JIT wants one: let them have ours.
        Thread.yield();
      }
    }
    this.work = null;
    Throwable failed = failure.getAndSet(null);
    if (failed instanceof RuntimeException e) {
      throw e;
    }
    if (failed instanceof Error e) {
      throw e;
    }
    if (failed != null) {
      throw new IllegalStateException(failed);
    }
  }

  /** Part {@code part} of the posted phase; counts it finished, and keeps its failure. */
  private void runPart(Phases work, int phase, int part) {
    try {
      work.run(phase, part, threads);
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
    }
    finished.incrementAndGet();
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
    volatile boolean parked;

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
        // Fails if the caller took the part (or, after a long sleep here, posted a later phase:
        // the next loop sees it).
        if (claimed.compareAndSet(part, token - 1, token)) {
          // Written before posted, which this thread read: this phase's, not a later one's
          // (the caller posts the next after this part finished).
          runPart(work, phase, part);
        }
      }
    }

    /** Spins, then yields, for the next phase, then parks until the caller posts one. */
    private void waitForWork(long seen) {
      long start = System.nanoTime();
      int spins = 0;
      boolean spinning = true;
      while (posted == seen && !closed) {
        if (spinning && (++spins & CLOCK_MASK) != 0) {
          Thread.onSpinWait();
          continue;
        }
        long waited = System.nanoTime() - start;
        if (waited < SPIN_NANOS) {
          Thread.onSpinWait();
          continue;
        }
        spinning = false;
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
