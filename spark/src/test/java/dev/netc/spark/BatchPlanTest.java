package dev.netc.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchPlanTest {

  @Test
  void sharesAreProportionalAndAddUpToTheGlobalBatch() {
    // 64 · (133, 134, 134) / 401 = (21.23, 21.39, 21.39): the one left over goes to the largest
    // remainder, the lower partition of the two equal ones.
    BatchPlan plan = new BatchPlan(new int[] {133, 134, 134}, 64, 1, false);
    assertArrayEquals(new int[] {21, 22, 21}, plan.shares());
    assertEquals(6, plan.steps());
    assertEquals(6 * 64, plan.samplesPerEpoch());
  }

  @Test
  void emptyAndTinyPartitionsGetNoShare() {
    BatchPlan plan = new BatchPlan(new int[] {0, 1, 999}, 10, 1, false);
    assertArrayEquals(new int[] {0, 0, 10}, plan.shares());
    assertEquals(99, plan.steps());
  }

  @Test
  void ordersArePermutationsFixedBySeedEpochAndPartition() {
    BatchPlan plan = new BatchPlan(new int[] {50, 50}, 10, 7, true);
    int[] order = plan.order(1, 3);
    assertArrayEquals(IntStream.range(0, 50).toArray(), Arrays.stream(order).sorted().toArray());
    assertArrayEquals(order, new BatchPlan(new int[] {50, 50}, 10, 7, true).order(1, 3));
    assertFalse(Arrays.equals(order, plan.order(1, 4)));
    assertFalse(Arrays.equals(order, plan.order(0, 3)));
    assertFalse(Arrays.equals(order, new BatchPlan(new int[] {50, 50}, 10, 8, true).order(1, 3)));
    assertArrayEquals(IntStream.range(0, 50).toArray(),
        new BatchPlan(new int[] {50, 50}, 10, 7, false).order(1, 3));
  }

  @Test
  void aGlobalBatchLargerThanTheDataIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new BatchPlan(new int[] {3, 4}, 8, 1, true));
    assertEquals("global batch 8 is larger than the 7 training rows", e.getMessage());
  }
}
