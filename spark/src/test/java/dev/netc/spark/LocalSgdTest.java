package dev.netc.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.LossReduction;
import dev.netc.runtime.OptimizerLayout;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.spark.nets.AdamClassifier;
import dev.netc.spark.nets.Iris;
import dev.netc.spark.nets.SmallClassifier;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/** Local SGD with periodic averaging. */
class LocalSgdTest {

  @Test
  void withPeriodOneAndMomentumItIsTheSynchronousStep() {
    // SGD with momentum is linear in the gradient: averaging the replicas' buffers μ·b + g_p and
    // parameters θ - lr·(μ·b + g_p) with the shares' weights gives μ·b + Σ w_p·g_p and the
    // synchronous step, on unequal partitions too, up to float rounding, epoch after epoch.
    try (TrainingData data = TrainingData.of(SparkTestSession.frame(
        SparkTestSession.classificationRows(301, 5), 3), "features", "label",
        new SmallClassifier())) {
      BatchPlan plan = data.plan(50, 2, true);
      SparkTrainer local = new SparkTrainer(SparkTestSession.sc(), new SmallClassifier(),
          SmallClassifier::new, LossReduction.MEAN);
      SparkTrainer sync = new SparkTrainer(SparkTestSession.sc(), new SmallClassifier(),
          SmallClassifier::new, LossReduction.MEAN);
      for (int epoch = 0; epoch < 2; epoch++) {
        SparkTrainer.EpochStats a = local.trainEpochLocalSgd(data, plan, epoch, 1);
        SparkTrainer.EpochStats b = sync.trainEpoch(data, plan, epoch);
        assertEquals(b.meanLoss(), a.meanLoss(), 1e-5);
      }
      SynchronousTrainingTest.assertClose(sync.master(), local.master());
      assertEquals(2L * plan.steps(), local.master().optimizerStepCount());
    }
  }

  @Test
  void onOnePartitionAdamRoundsCarryTheStateAndStepCount() {
    // One replica, weight 1: each round must resume exactly where the last ended (moments, Adam's
    // t, the learning rate set on the master), so any period gives sequential training bit for bit.
    try (TrainingData data = TrainingData.of(SparkTestSession.frame(
        SparkTestSession.classificationRows(200, 7), 1), "features", "label",
        new AdamClassifier())) {
      BatchPlan plan = data.plan(32, 3, true);
      SparkTrainer local = new SparkTrainer(SparkTestSession.sc(), new AdamClassifier(),
          AdamClassifier::new, LossReduction.MEAN);
      SparkTrainer sync = new SparkTrainer(SparkTestSession.sc(), new AdamClassifier(),
          AdamClassifier::new, LossReduction.MEAN);
      for (int epoch = 0; epoch < 2; epoch++) {
        local.master().setLearningRate(0.02 / (epoch + 1));
        sync.master().setLearningRate(0.02 / (epoch + 1));
        local.trainEpochLocalSgd(data, plan, epoch, 4);
        sync.trainEpoch(data, plan, epoch);
      }
      assertArrayEquals(parameters(sync.master()), parameters(local.master()));
      assertEquals(sync.master().optimizerStepCount(), local.master().optimizerStepCount());
      int size = OptimizerLayout.size(sync.master().optimizerStateLayout());
      float[] expected = new float[size];
      float[] actual = new float[size];
      sync.master().getOptimizerState(expected);
      local.master().getOptimizerState(actual);
      assertArrayEquals(expected, actual);
    }
  }

  @Test
  void convergesOnIrisReadFromCsv() {
    // The real 150 flowers, sorted by species in the file; repartition deals them round-robin.
    Dataset<Row> csv = SparkTestSession.spark().read().option("inferSchema", true)
        .csv("../generated-examples/src/main/resources/dev/netc/examples/iris/iris.csv");
    Dataset<Row> iris = new VectorAssembler()
        .setInputCols(new String[] {"_c0", "_c1", "_c2", "_c3"}).setOutputCol("features")
        .transform(csv).withColumnRenamed("_c4", "species").repartition(2).cache();
    Iris net = new Iris();
    try (TrainingData data = TrainingData.of(iris, "features", "species", net)) {
      BatchPlan plan = data.plan(16, 1, true);
      SparkTrainer trainer = new SparkTrainer(SparkTestSession.sc(), net, Iris::new,
          LossReduction.MEAN);
      double first = trainer.trainEpochLocalSgd(data, plan, 0, 4).meanLoss();
      double last = first;
      for (int epoch = 1; epoch < 40; epoch++) {
        last = trainer.trainEpochLocalSgd(data, plan, epoch, 4).meanLoss();
      }
      assertTrue(last < first / 3, "loss " + first + " -> " + last);
      long right = SparkPredictor.of(SparkTestSession.sc(), net, Iris::new)
          .transform(iris, "features")
          .filter(functions.col("prediction").equalTo(functions.col("species"))).count();
      assertTrue(right >= 0.9 * 150, right + " of 150 flowers classified right");
    }
  }

  private static float[] parameters(TrainableFloatNetwork net) {
    float[] p = new float[net.parameterCount()];
    net.getParameters(p);
    return p;
  }
}
