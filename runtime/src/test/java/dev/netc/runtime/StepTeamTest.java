package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link StepTeam}: every part of every phase runs once, on its own helper or on the caller, in
 * phase order.
 */
class StepTeamTest {

  /**
   * Helpers slowed at random (a part that sleeps, so that the next phase finds it late, and
   * pauses between phases, so that they park): every part of every phase still runs exactly
   * once, part k on helper k or on the caller, and the caller takes the parts of a helper that
   * has not woken up yet.
   */
  @Test
  @Timeout(120)
  void theCallerTakesTheLateHelpersPartsAndEachPartRunsOnce() throws InterruptedException {
    for (int threads = 2; threads <= 3; threads++) {
      int phases = 3_000;
      AtomicIntegerArray runs = new AtomicIntegerArray(phases * threads);
      Thread caller = Thread.currentThread();
      AtomicInteger taken = new AtomicInteger();
      Random rnd = new Random(threads);
      try (StepTeam team = StepTeam.of(threads)) {
        StepTeam.Phases work = (phase, part, parts) -> {
          runs.incrementAndGet(phase * parts + part);
          Thread t = Thread.currentThread();
          if (t == caller) {
            if (part > 0) {
              taken.incrementAndGet();
            }
          } else {
            assertEquals("netc-team-" + part, t.getName());
            if (phase % 7 == 3) {
              LockSupport.parkNanos(20_000); // this helper comes late to the next phase
            }
          }
        };
        for (int p = 0; p < phases; p++) {
          team.run(work, p);
          if (rnd.nextInt(50) == 0) {
            Thread.sleep(1); // the helpers park: part 0 is done before they wake
          }
        }
      }
      for (int i = 0; i < runs.length(); i++) {
        assertEquals(1, runs.get(i), threads + " threads, slot " + i);
      }
      assertTrue(taken.get() > 0, threads + " threads: the caller never took a part");
    }
  }

  @Test
  @Timeout(60)
  void everyPartOfEveryPhaseRunsOnceAndPhasesDoNotOverlap() throws InterruptedException {
    for (int threads = 1; threads <= 4; threads++) {
      int phases = 2_000;
      AtomicIntegerArray runs = new AtomicIntegerArray(phases * threads);
      int[] sums = new int[threads];
      long[] seenPhase = new long[threads];
      try (StepTeam team = StepTeam.of(threads)) {
        assertEquals(threads, team.threads());
        StepTeam.Phases work = (phase, part, parts) -> {
          runs.incrementAndGet(phase * parts + part);
          // Phases in order on every thread: a part never sees a later phase's writes early.
          assertTrue(seenPhase[part] <= phase);
          seenPhase[part] = phase;
          sums[part] += phase;
        };
        for (int p = 0; p < phases; p++) {
          team.run(work, p);
          if (p % 500 == 499) {
            Thread.sleep(2); // long enough for the helpers to park: they must wake up
          }
        }
      }
      for (int i = 0; i < runs.length(); i++) {
        assertEquals(1, runs.get(i), threads + " threads, slot " + i);
      }
      int[] want = new int[threads];
      java.util.Arrays.fill(want, phases * (phases - 1) / 2);
      // The sums were written by the helpers and read here after the phases: visible.
      assertArrayEquals(want, sums);
    }
  }

  @Test
  void aRehearsalRunsEveryPartOnTheCallingThreadInOrder() {
    try (StepTeam team = StepTeam.rehearsal(3)) {
      assertEquals(3, team.threads());
      Thread caller = Thread.currentThread();
      StringBuilder order = new StringBuilder();
      StepTeam.Phases work = (phase, part, parts) -> {
        assertSame(caller, Thread.currentThread());
        order.append(phase).append('.').append(part).append('/').append(parts).append(' ');
      };
      team.run(work, 0);
      team.run(work, 1);
      assertEquals("0.0/3 0.1/3 0.2/3 1.0/3 1.1/3 1.2/3 ", order.toString());
    }
    assertThrows(IllegalArgumentException.class, () -> StepTeam.rehearsal(0));
  }

  @Test
  @Timeout(60)
  void aFailingPartIsRethrownToTheCallerAfterTheOthersFinished() {
    try (StepTeam team = StepTeam.of(3)) {
      IllegalStateException boom = new IllegalStateException("part 2 failed");
      int[] done = new int[3];
      StepTeam.Phases work = (phase, part, parts) -> {
        if (part == 2) {
          throw boom;
        }
        done[part]++;
      };
      assertSame(boom, assertThrows(IllegalStateException.class, () -> team.run(work, 0)));
      assertEquals(1, done[0]);
      assertEquals(1, done[1]);
      // The team still works.
      int[] count = new int[1];
      team.run((phase, part, parts) -> {
        if (part == 0) {
          count[0]++;
        }
      }, 1);
      assertEquals(1, count[0]);
    }
  }

  @Test
  void aClosedTeamRunsNothingAndTheSizeIsChecked() {
    StepTeam team = StepTeam.of(2);
    team.close();
    assertThrows(IllegalStateException.class, () -> team.run((phase, part, parts) -> { }, 0));
    assertThrows(IllegalArgumentException.class, () -> StepTeam.of(0));
    assertThrows(IllegalArgumentException.class, () -> StepTeam.of(257));
  }

  /**
   * partStart: an even split (n · k / parts, rounded down to align) until the shares move, and
   * with any shares a split of all n items, in order, each start a multiple of align.
   */
  @Test
  void partStartSplitsEvenlyAtFirstAndCoversTheItemsWithAnyShares() {
    Random rnd = new Random(7);
    for (int threads = 1; threads <= 4; threads++) {
      StepTeam team = StepTeam.rehearsal(threads);
      for (int trial = 0; trial < 200; trial++) {
        int n = rnd.nextInt(2000);
        int align = 1 + rnd.nextInt(16);
        for (int k = 0; k <= threads; k++) {
          int even = k >= threads ? n : (int) ((long) n * k / threads) / align * align;
          assertEquals(even, team.partStart(n, align, k, threads), n + " items, part " + k);
        }
      }
      assertArrayEquals(evenShares(threads), team.shares(), 0.0);
      double[] shares = new double[threads];
      for (int trial = 0; trial < 500; trial++) {
        for (int k = 0; k < threads; k++) {
          shares[k] = 0.05 + rnd.nextDouble();
        }
        team.withShares(shares);
        int n = rnd.nextInt(5000);
        int align = 1 + rnd.nextInt(16);
        int last = 0;
        assertEquals(0, team.partStart(n, align, 0, threads));
        for (int k = 1; k < threads; k++) {
          int start = team.partStart(n, align, k, threads);
          assertTrue(start >= last && start <= n, "part " + k + " starts at " + start);
          assertEquals(0, start % align, "part " + k + " starts at " + start);
          last = start;
        }
        assertEquals(n, team.partStart(n, align, threads, threads));
        // Another number of parts than the team's threads: split evenly.
        assertEquals((int) ((long) n / (threads + 1)) / align * align,
            team.partStart(n, align, 1, threads + 1));
      }
    }
  }

  /**
   * A helper that runs at half the caller's speed (each part spins 20 or 40 ns an item) gets
   * less of the work: the shares move from even to about 2 : 1 (at most 3 : 1, the bound),
   * and, fixed by withShares, stay where they were put.
   */
  @Test
  @Timeout(60)
  void aSlowHelperGetsLessOfTheWorkUnlessTheSharesAreFixed() {
    Thread caller = Thread.currentThread();
    AtomicInteger onHelper = new AtomicInteger();
    try (StepTeam team = StepTeam.of(2)) {
      StepTeam.Phases work = (phase, part, parts) -> {
        int items = team.partStart(500, 1, part + 1, parts) - team.partStart(500, 1, part, parts);
        long until = System.nanoTime() + items * (part == 0 ? 20L : 40L);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        if (Thread.currentThread() != caller) {
          onHelper.incrementAndGet();
        }
      };
      // Every fourth phase timed, the shares moved every 16 of those: 12 moves in 800 phases,
      // if the helper ran its parts (a part the caller took is not timed). Longer on a machine
      // that gives the helper no core for a while.
      double[] shares = team.shares();
      long deadline = System.nanoTime() + 30_000_000_000L;
      int phases = 0;
      while (!(phases >= 800 && shares[0] > 0.6) && System.nanoTime() < deadline) {
        team.run(work, phases++);
        shares = team.shares();
        assertTrue(shares[0] >= 0.25 - 1e-9 && shares[0] <= 0.75 + 1e-9,
            "the caller's share " + shares[0] + " is out of its bounds");
        assertEquals(1.0, shares[0] + shares[1], 1e-9);
      }
      assertTrue(shares[0] > 0.6, "the caller's share " + shares[0] + " against a helper at "
          + "half its speed, after " + phases + " phases (" + onHelper + " parts on the helper)");
      team.withShares(1, 1);
      for (int p = 0; p < 200; p++) {
        team.run(work, p);
      }
      assertArrayEquals(new double[] {0.5, 0.5}, team.shares(), 0.0);
    }
  }

  @Test
  void sharesAreChecked() {
    StepTeam team = StepTeam.rehearsal(2);
    assertThrows(IllegalArgumentException.class, () -> team.withShares(1));
    assertThrows(IllegalArgumentException.class, () -> team.withShares(1, 0));
    assertThrows(IllegalArgumentException.class, () -> team.withShares(1, Double.NaN));
    assertThrows(IllegalArgumentException.class,
        () -> team.withShares(1, Double.POSITIVE_INFINITY));
    assertArrayEquals(new double[] {0.25, 0.75}, team.withShares(1, 3).shares(), 1e-15);
  }

  private static double[] evenShares(int threads) {
    double[] s = new double[threads];
    java.util.Arrays.fill(s, 1.0 / threads);
    return s;
  }
}
