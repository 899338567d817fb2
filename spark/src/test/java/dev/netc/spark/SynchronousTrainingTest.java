package dev.netc.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netc.runtime.LossReduction;
import dev.netc.runtime.ParallelFloatTrainer;
import dev.netc.runtime.ParallelTrainer;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.spark.nets.SmallClassifier;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Synchronous Spark training against single-machine training on the same global batches. */
class SynchronousTrainingTest {
  private static final int BATCH = 64;
  private static List<Row> rows;
  private static TrainingData data;

  @BeforeAll
  static void load() {
    // 401 rows in three contiguous partitions of 133, 134 and 134: unequal shares (21, 22, 21).
    rows = SparkTestSession.classificationRows(401, 11);
    data = TrainingData.of(SparkTestSession.frame(rows, 3), "features", "label",
        new SmallClassifier());
  }

  @AfterAll
  static void release() {
    data.close();
  }

  @Test
  void equalsOneThreadAndParallelTrainerOnTheSameBatchesInOrder() {
    BatchPlan plan = data.plan(BATCH, 5, false);
    assertEquals(List.of(133, 134, 134),
        java.util.Arrays.stream(data.partitionSizes()).boxed().toList());
    SparkTrainer spark = new SparkTrainer(SparkTestSession.sc(), new SmallClassifier(),
        SmallClassifier::new, LossReduction.MEAN);
    TrainableFloatNetwork single = new SmallClassifier();
    try (ParallelFloatTrainer parallel =
        ParallelTrainer.of(new SmallClassifier(), LossReduction.MEAN, 2)) {
      for (int epoch = 0; epoch < 2; epoch++) {
        for (int step = 0; step < plan.steps(); step++) {
          // Built here from the partitions' stored order: partition p's rows start at
          // 133·p (+1 after the first), step s takes its share's s-th run.
          float[][] batch = batchWithoutShuffle(new int[] {0, 133, 267}, new int[] {21, 22, 21},
              step);
          float expected = single.trainBatch(batch[0], batch[1], BATCH);
          parallel.trainBatch(batch[0], batch[1], BATCH);
          assertEquals(expected, spark.step(data, plan, epoch, step), 1e-5);
        }
      }
      assertClose(single, spark.master());
      assertClose(parallel.master(), spark.master());
    }
  }

  @Test
  void shuffledEpochsFollowThePlan() {
    BatchPlan plan = data.plan(BATCH, 99, true);
    SparkTrainer spark = new SparkTrainer(SparkTestSession.sc(), new SmallClassifier(),
        SmallClassifier::new, LossReduction.MEAN);
    TrainableFloatNetwork single = new SmallClassifier();
    double expectedLoss = 0;
    for (int step = 0; step < plan.steps(); step++) {
      float[][] batch = shuffledBatch(plan, 1, step);
      expectedLoss += single.trainBatch(batch[0], batch[1], BATCH);
    }
    SparkTrainer.EpochStats stats = spark.trainEpoch(data, plan, 1);
    assertEquals(expectedLoss / plan.steps(), stats.meanLoss(), 1e-5);
    assertEquals(plan.steps(), stats.steps());
    assertEquals(plan.samplesPerEpoch(), stats.samples());
    assertClose(single, spark.master());
  }

  @Test
  void theDriversInOrderSumRepeatsBitForBitAndTreeAggregateAgrees() {
    BatchPlan plan = data.plan(BATCH, 7, true);
    float[][] parameters = new float[3][];
    for (int run = 0; run < 3; run++) {
      SparkTrainer spark = new SparkTrainer(SparkTestSession.sc(), new SmallClassifier(),
          SmallClassifier::new, LossReduction.MEAN).treeDepth(run < 2 ? 1 : 2);
      spark.trainEpoch(data, plan, 1);
      parameters[run] = new float[spark.master().parameterCount()];
      spark.master().getParameters(parameters[run]);
    }
    assertArrayEquals(parameters[0], parameters[1]);
    for (int i = 0; i < parameters[0].length; i++) {
      assertEquals(parameters[0][i], parameters[2][i], 1e-5 + 1e-4 * Math.abs(parameters[0][i]));
    }
  }

  @Test
  void aPlanForOtherPartitionsIsRejected() {
    SparkTrainer spark = new SparkTrainer(SparkTestSession.sc(), new SmallClassifier(),
        SmallClassifier::new, LossReduction.MEAN);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> spark.trainEpoch(data, new BatchPlan(new int[] {200, 201}, BATCH, 1, true), 0));
    assertEquals("the plan is for other data: partition sizes [200, 201], the data has "
        + "[133, 134, 134]", e.getMessage());
  }

  private static float[][] batchWithoutShuffle(int[] starts, int[] shares, int step) {
    float[] xs = new float[BATCH * 6];
    float[] ts = new float[BATCH];
    int r = 0;
    for (int p = 0; p < starts.length; p++) {
      for (int i = 0; i < shares[p]; i++, r++) {
        put(rows.get(starts[p] + step * shares[p] + i), xs, ts, r);
      }
    }
    return new float[][] {xs, ts};
  }

  private static float[][] shuffledBatch(BatchPlan plan, int epoch, int step) {
    float[] xs = new float[BATCH * 6];
    float[] ts = new float[BATCH];
    int[] shares = plan.shares();
    int start = 0;
    int r = 0;
    for (int p = 0; p < plan.partitions(); p++) {
      int[] order = plan.order(p, epoch);
      for (int i = 0; i < shares[p]; i++, r++) {
        put(rows.get(start + order[step * shares[p] + i]), xs, ts, r);
      }
      start += plan.partitionSizes()[p];
    }
    return new float[][] {xs, ts};
  }

  private static void put(Row row, float[] xs, float[] ts, int r) {
    System.arraycopy((float[]) row.get(0), 0, xs, r * 6, 6);
    ts[r] = row.getInt(1);
  }

  /** Equal up to float rounding: the batch is summed in another order. */
  static void assertClose(TrainableFloatNetwork expected, TrainableFloatNetwork actual) {
    float[] e = new float[expected.parameterCount()];
    float[] a = new float[actual.parameterCount()];
    expected.getParameters(e);
    actual.getParameters(a);
    for (int i = 0; i < e.length; i++) {
      assertEquals(e[i], a[i], 1e-5 + 1e-4 * Math.abs(e[i]), "parameter " + i);
    }
  }
}
