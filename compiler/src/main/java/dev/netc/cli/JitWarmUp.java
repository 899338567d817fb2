package dev.netc.cli;

/**
 * Trains a throwaway copy of the network until its steps run at full speed, so that HotSpot has
 * compiled the class {@code netc train} has just generated before the epoch clock starts.
 *
 * <p>Generated kernels run slowly until C2 compiles them (the Vector API even allocates per
 * operation before that): on the Fashion-MNIST MLP the first epoch took 1.1 s against 0.57 s for
 * the later ones. Warming up does not make that compilation cheaper; it takes it out of the
 * epoch times (reported apart, and still part of the wall time), and uses the copy's steps,
 * which are discarded, so the trained result does not depend on it.
 *
 * <p>Steps are timed in groups of {@link #GROUP}; warming up stops when a group is no more than
 * {@link #TOLERANCE} slower than the fastest group so far and the two before it were too (the
 * compiler has stopped making a difference), or after {@link #MAX_NANOS}.
 */
final class JitWarmUp {
  /** Steps per timed group. */
  static final int GROUP = 10;

  /** A group within this fraction of the fastest one counts as full speed. */
  static final double TOLERANCE = 0.15;

  /** Consecutive full-speed groups that end the warm-up. */
  static final int STEADY_GROUPS = 3;

  /** Never warm up for longer than this. */
  static final long MAX_NANOS = 3_000_000_000L;

  private JitWarmUp() {}

  /** Runs {@code step} until its time per group has settled; returns the steps run. */
  static int run(Runnable step) {
    long start = System.nanoTime();
    long fastest = Long.MAX_VALUE;
    int steady = 0;
    int steps = 0;
    while (System.nanoTime() - start < MAX_NANOS) {
      long t0 = System.nanoTime();
      for (int i = 0; i < GROUP; i++) {
        step.run();
      }
      steps += GROUP;
      long group = System.nanoTime() - t0;
      fastest = Math.min(fastest, group);
      steady = group <= fastest * (1 + TOLERANCE) ? steady + 1 : 0;
      if (steady >= STEADY_GROUPS && steps >= 10 * GROUP) {
        break;
      }
    }
    return steps;
  }
}
