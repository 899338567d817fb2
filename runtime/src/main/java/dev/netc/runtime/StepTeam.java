package dev.netc.runtime;

import java.util.Arrays;
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
 *
 * <p>A phase may also split its work by {@link #partStart}, which gives each part a share of it
 * in proportion to the speed its thread has shown. In every fourth phase ({@link #SAMPLE_MASK})
 * each thread times its own part; over {@link #SAMPLES_PER_MOVE} such phases that split so, the
 * team sums the times, and the shares move halfway towards those that would have made the parts
 * end together, unless they are within {@link #DEAD_BAND} of them. A core that runs slower than
 * the other (a little core beside a big one, a core busy with the JIT's compiler threads, a
 * vCPU its host gives less time) then gets less of the work instead of holding up every phase
 * (docs/performance-threads.md). Each share stays between half and one and a half times an even
 * share; {@code netc.team.balance=false} keeps them even, {@link #withShares} fixes them. The
 * bounds of the parts do not change a result's bits, only which thread computes it.
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

  /** Whether a team moves the parts' shares of {@link #partStart} towards its threads' speeds. */
  static final boolean BALANCE = Boolean.parseBoolean(
      System.getProperty("netc.team.balance", "true"));

  /**
   * Phases whose token has none of these bits set are timed for the balance (one in 4): two
   * clock readings per thread, about 50 ns, are 1 % of a 4-µs phase of a one-example predict.
   */
  static final long SAMPLE_MASK = 3;

  /** Parts' times below this do not count (a clock reading costs about 25 ns). */
  static final long MIN_SAMPLE_NANOS = 2_000;

  /**
   * Timed phases whose parts' times are summed before the shares move: one phase's times vary
   * by 10–20 % from one to the next on a quiet machine.
   */
  static final int SAMPLES_PER_MOVE = 16;

  /**
   * A part's time counts as at most this many times the fastest part's (per unit of share):
   * beyond the 3 : 1 the shares' bounds allow, and far below a preempted part's milliseconds.
   */
  static final double MAX_SLOWDOWN = 4;

  /** How far the shares move towards those of the summed times. */
  static final double BALANCE_RATE = 0.5;

  /**
   * Shares that differ from those of the summed times by less than this stay where they are:
   * on a machine whose cores run alike, the split stays even (or where it was), rather than
   * moving rows from core to core with the noise.
   */
  static final double DEAD_BAND = 0.02;

  private final int threads;
  private final Helper[] helpers;
  /**
   * Each part's share of the work {@link #partStart} splits (summing to 1), and where part k's
   * share starts (cuts[0] = 0, cuts[threads] = 1). Written by the caller between phases only,
   * before it posts the next (the volatile write of posted): each part of a phase reads the
   * same values.
   */
  private final double[] shares;
  private final double[] cuts;
  /** Each part's time summed over the timed phases since the shares last moved. */
  private final long[] partNanos;
  /** The shares that would have ended the summed parts together (rebalance's scratch). */
  private final double[] targets;
  /** Timed phases summed in partNanos. */
  private int samples;
  /** True while the shares are even: {@link #partStart} then splits exactly as n · k / parts. */
  private boolean even = true;
  /** True once {@link #withShares} fixed the shares. */
  private boolean fixed;
  /** Set by {@link #partStart} during a phase: only such phases move the shares. */
  private boolean balancedPhase;
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
    this.shares = new double[threads];
    this.cuts = new double[threads + 1];
    this.partNanos = new long[threads];
    this.targets = new double[threads];
    Arrays.fill(shares, 1.0 / threads);
    setCuts();
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
   * Where part {@code k} of {@code parts} of {@code n} items starts ({@code n} for {@code k =
   * parts}), rounded down to a multiple of {@code align}, in a split that gives each part its
   * thread's share: an even split at first, then one that follows the speeds the threads show
   * (see above). For a phase of this team ({@code parts} = {@link #threads()}); any other
   * {@code parts} splits evenly. Only the last part gets the items past the last multiple of
   * {@code align}, as in an even split.
   */
  public int partStart(int n, int align, int k, int parts) {
    if (k >= parts) {
      return n;
    }
    if (k <= 0) {
      return 0;
    }
    if (parts == threads) {
      balancedPhase = true;
      if (!even) {
        return Math.min(n, (int) (n * cuts[k])) / align * align;
      }
    }
    return (int) ((long) n * k / parts) / align * align;
  }

  /**
   * Fixes the parts' shares of the work {@link #partStart} splits to {@code shares} (one per
   * thread, each above 0; scaled to sum to 1): they no longer follow the threads' speeds. For
   * tests, and for a caller that knows its cores. Not while a phase runs. Returns this team.
   */
  public StepTeam withShares(double... shares) {
    if (shares.length != threads) {
      throw new IllegalArgumentException(
          shares.length + " shares for a team of " + threads + " threads");
    }
    double sum = 0;
    for (double s : shares) {
      if (!(s > 0) || Double.isInfinite(s)) {
        throw new IllegalArgumentException("a share must be finite and above 0, not " + s);
      }
      sum += s;
    }
    for (int k = 0; k < threads; k++) {
      this.shares[k] = shares[k] / sum;
    }
    fixed = true;
    even = false;
    setCuts();
    return this;
  }

  /** The parts' current shares of the work {@link #partStart} splits (a copy). */
  public double[] shares() {
    return shares.clone();
  }

  private void setCuts() {
    double at = 0;
    for (int k = 0; k < threads; k++) {
      cuts[k] = at;
      at += shares[k];
    }
    cuts[threads] = 1;
  }

  /**
   * Adds this phase's parts' times; every {@link #SAMPLES_PER_MOVE} phases, moves the shares
   * towards those that would have ended those parts together: part k did its share s_k of the
   * work in t_k (summed), so its speed is s_k / t_k, and its target share its speed over the
   * sum of all. Equal times leave the shares as they are.
   */
  private void rebalance(long callerNanos) {
    // Each part's time per unit of share; the fastest's bounds the others' (a part the machine
    // took the core from for a few ms would otherwise outweigh the other samples).
    double fastest = Double.MAX_VALUE;
    for (int k = 0; k < threads; k++) {
      long t = partTime(k, callerNanos);
      if (t < MIN_SAMPLE_NANOS) {
        return;
      }
      fastest = Math.min(fastest, t / shares[k]);
    }
    for (int k = 0; k < threads; k++) {
      partNanos[k] += (long) Math.min(partTime(k, callerNanos), MAX_SLOWDOWN * fastest * shares[k]);
    }
    if (++samples < SAMPLES_PER_MOVE) {
      return;
    }
    double sum = 0;
    for (int k = 0; k < threads; k++) {
      targets[k] = shares[k] / partNanos[k];
      sum += targets[k];
    }
    double off = 0;
    for (int k = 0; k < threads; k++) {
      targets[k] /= sum;
      off = Math.max(off, Math.abs(targets[k] - shares[k]));
    }
    if (off >= DEAD_BAND) {
      double low = 0.5 / threads;
      double high = 1.5 / threads;
      double total = 0;
      for (int k = 0; k < threads; k++) {
        double moved = shares[k] + BALANCE_RATE * (targets[k] - shares[k]);
        shares[k] = Math.max(low, Math.min(high, moved));
        total += shares[k];
      }
      for (int k = 0; k < threads; k++) {
        shares[k] /= total;
      }
      even = false;
      setCuts();
    }
    Arrays.fill(partNanos, 0);
    samples = 0;
  }

  /** Part k's time in this timed phase: the caller's own, or helper k's. */
  private long partTime(int k, long callerNanos) {
    return k == 0 ? callerNanos : helpers[k - 1].nanos;
  }

  /** Whether the threads time their parts of the phase with this token for the balance. */
  private boolean timed(long token) {
    return BALANCE && !fixed && (token & SAMPLE_MASK) == 0;
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
    boolean timed = timed(token);
    balancedPhase = false;
    posted = token;
    // The clock after the post: the helpers need not wait for it.
    long postedAt = STEAL_NANOS > 0 ? System.nanoTime() : 0;
    for (Helper h : helpers) {
      if (h.parked) {
        LockSupport.unpark(h.thread);
      }
    }
    long callerStart = timed ? System.nanoTime() : 0;
    runPart(work, phase, 0, null);
    long callerNanos = timed ? System.nanoTime() - callerStart : 0;
    long start = 0;
    boolean taken = false;
    boolean tookOne = false;
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
            tookOne = true;
            runPart(work, phase, part, null);
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
    if (timed && !tookOne && balancedPhase) {
      // Each part timed by its own thread (the clock of a part the caller took is not a
      // helper's speed).
      rebalance(callerNanos);
    }
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

  /**
   * Part {@code part} of the posted phase; counts it finished, and keeps its failure. A helper
   * given as {@code timer} keeps the part's time first (read by the caller once it sees the
   * count).
   */
  private void runPart(Phases work, int phase, int part, Helper timer) {
    long start = timer != null ? System.nanoTime() : 0;
    try {
      work.run(phase, part, threads);
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
    }
    if (timer != null) {
      timer.nanos = System.nanoTime() - start;
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
    /** The time of this helper's part of the last timed phase. */
    long nanos;

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
          runPart(work, phase, part, timed(token) ? this : null);
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
