package dev.netc.runtime.train;

/**
 * Tells when a network's steps have reached full speed: when HotSpot has compiled the generated
 * class. Until C2 compiles them, generated kernels run slowly (the Vector API even allocates per
 * operation before that): on the Fashion-MNIST MLP the first epoch took 1.1 s against 0.57 s for
 * the later ones.
 *
 * <p>Steps are timed in groups of {@link #GROUP}; the warm-up is over when a group is no more
 * than {@link #TOLERANCE} slower than the fastest group so far and the two before it were too
 * (the compiler has stopped making a difference), after at least {@link #MIN_STEPS} steps, or
 * after {@link #MAX_NANOS}. A {@link Trainer} with {@link Trainer.Builder#warmUp} trains its first
 * steps on one core meanwhile; the planner times kernel variants once they are warm.
 */
public final class JitWarmUp {
  /** Steps per timed group. */
  public static final int GROUP = 10;

  /** A group within this fraction of the fastest one counts as full speed. */
  static final double TOLERANCE = 0.15;

  /** Consecutive full-speed groups that end the warm-up. */
  static final int STEADY_GROUPS = 3;

  /** The warm-up never ends before this many steps. */
  static final int MIN_STEPS = 10 * GROUP;

  /** Never warm up for longer than this. */
  static final long MAX_NANOS = 3_000_000_000L;

  private long start = System.nanoTime();
  private long groupStart = start;
  private long pausedAt = -1;
  private long fastest = Long.MAX_VALUE;
  private int steady;
  private int steps;

  /** Starts timing: the next step is the warm-up's first. */
  public JitWarmUp() {}

  /** Runs {@code step} until its time per group has settled; returns the steps run. */
  public static int run(Runnable step) {
    JitWarmUp warmUp = new JitWarmUp();
    do {
      step.run();
    } while (!warmUp.stepped());
    return warmUp.steps();
  }

  /** Counts one more step; returns true if the warm-up is over with it. */
  public boolean stepped() {
    steps++;
    if (steps % GROUP != 0) {
      return false;
    }
    long now = System.nanoTime();
    long group = now - groupStart;
    groupStart = now;
    fastest = Math.min(fastest, group);
    steady = group <= fastest * (1 + TOLERANCE) ? steady + 1 : 0;
    return steady >= STEADY_GROUPS && steps >= MIN_STEPS || now - start >= MAX_NANOS;
  }

  /**
   * Stops the clock until {@link #resume}: a trainer pauses it between epochs, so that a group
   * of steps on both sides of an epoch's validation is timed as the steps alone.
   */
  public void pause() {
    if (pausedAt < 0) {
      pausedAt = System.nanoTime();
    }
  }

  /** Restarts the clock stopped by {@link #pause} (no effect if it runs). */
  public void resume() {
    if (pausedAt >= 0) {
      long gap = System.nanoTime() - pausedAt;
      start += gap;
      groupStart += gap;
      pausedAt = -1;
    }
  }

  /** Steps counted so far. */
  public int steps() {
    return steps;
  }

  /** Nanoseconds since the warm-up started, pauses excepted. */
  public long nanos() {
    return (pausedAt >= 0 ? pausedAt : System.nanoTime()) - start;
  }
}
