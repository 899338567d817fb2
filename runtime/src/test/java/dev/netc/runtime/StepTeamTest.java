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
}
