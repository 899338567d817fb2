package dev.netc.spark;

import dev.netc.runtime.LossReduction;
import dev.netc.spark.nets.SmallClassifier;
import org.junit.jupiter.api.Test;

class ScratchTimingTest {
  @Test
  void time() {
    long t0 = System.nanoTime();
    var sc = SparkTestSession.sc();
    long t1 = System.nanoTime();
    TrainingData data = TrainingData.of(SparkTestSession.frame(
        SparkTestSession.classificationRows(2000, 1), 2), "features", "label", new SmallClassifier());
    long t2 = System.nanoTime();
    SparkTrainer tr = new SparkTrainer(sc, new SmallClassifier(), SmallClassifier::new, LossReduction.MEAN);
    BatchPlan plan = data.plan(32, 1, true);
    for (int e = 0; e < 3; e++) {
      var s = tr.trainEpoch(data, plan, e);
      System.out.println("epoch " + e + " steps " + s.steps() + " " + s.seconds() + " s");
    }
    System.out.println("session " + (t1 - t0) / 1e9 + " data " + (t2 - t1) / 1e9);
  }
}
