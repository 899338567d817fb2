package dev.netc.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.LossReduction;
import dev.netc.spark.nets.SmallClassifier;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** A task failing once is retried without changing the result; bad rows are named. */
class FaultsTest {

  @Test
  void aTaskThatFailsOnceIsRetriedAndTrainingEndsWithTheSameParameters() {
    List<Row> rows = SparkTestSession.classificationRows(200, 21);
    try (TrainingData data = TrainingData.of(SparkTestSession.frame(rows, 2), "features",
        "label", new SmallClassifier())) {
      BatchPlan plan = data.plan(32, 3, true);
      SparkTrainer clean = new SparkTrainer(SparkTestSession.sc(), new SmallClassifier(),
          SmallClassifier::new, LossReduction.MEAN);
      SparkTrainer faulty = new SparkTrainer(SparkTestSession.sc(), new SmallClassifier(),
          () -> new FailingOnce(new SmallClassifier()), LossReduction.MEAN);
      clean.trainEpoch(data, plan, 0);
      faulty.trainEpoch(data, plan, 0);
      assertEquals(1, FailingOnce.FAILURES.get());
      // Two partitions: the two shares' gradients are added in either order, which is exact.
      assertArrayEquals(parameters(clean), parameters(faulty));
    }
  }

  @Test
  void aRowOfTheWrongWidthIsNamedByPartitionAndPosition() {
    // 20 rows in two partitions of 10: row 12 is row 2 of partition 1.
    assertEquals("partition 1, row 2: features have 5 values but the network needs 6",
        badRowMessage(12, RowFactory.create(new float[5], 0)));
  }

  @Test
  void aNaNIsNamedByPartitionAndPosition() {
    assertEquals("partition 0, row 4: features value 3 is NaN",
        badRowMessage(4, RowFactory.create(new float[] {0, 0, 0, Float.NaN, 0, 0}, 0)));
  }

  @Test
  void aLabelThatIsNoClassIsNamed() {
    assertEquals("partition 1, row 9: label 3.0 is not a class index in [0, 3)",
        badRowMessage(19, RowFactory.create(new float[6], 3)));
  }

  /** The message of loading 20 good rows in two partitions with row {@code index} replaced. */
  private static String badRowMessage(int index, Row bad) {
    List<Row> rows = new ArrayList<>(SparkTestSession.classificationRows(20, 1));
    rows.set(index, bad);
    return assertThrows(BadRowException.class, () -> TrainingData.of(
        SparkTestSession.frame(rows, 2), "features", "label", new SmallClassifier()))
        .getMessage();
  }

  @Test
  void aBadRowFailsBatchInferenceToo() {
    List<Row> rows = new ArrayList<>(SparkTestSession.classificationRows(20, 1));
    rows.set(15, RowFactory.create(new float[7], 0));
    SparkPredictor predictor = SparkPredictor.of(SparkTestSession.sc(), new SmallClassifier(),
        SmallClassifier::new);
    Exception e = assertThrows(Exception.class, () -> predictor
        .transform(SparkTestSession.frame(rows, 2), "features").collectAsList());
    assertTrue(e.toString().contains(
        "BadRowException: partition 1, row 5: features have 7 values but the network needs 6"),
        e.toString());
  }

  @Test
  void aMissingColumnIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainingData.of(SparkTestSession.frame(SparkTestSession.classificationRows(4, 1),
            1), "pixels", "label", new SmallClassifier()));
    assertEquals("no column 'pixels' among [features, label]", e.getMessage());
  }

  private static float[] parameters(SparkTrainer trainer) {
    float[] p = new float[trainer.master().parameterCount()];
    trainer.master().getParameters(p);
    return p;
  }
}
