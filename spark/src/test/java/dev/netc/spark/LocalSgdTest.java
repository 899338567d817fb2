package dev.netc.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.LossReduction;
import dev.netc.spark.nets.Iris;
import dev.netc.spark.nets.PlainClassifier;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/** Local SGD with periodic averaging. */
class LocalSgdTest {

  @Test
  void withPeriodOneAndPlainSgdItIsTheSynchronousStep() {
    // Averaging θ - lr·g_p with the shares' weights is θ - lr·Σ w_p·g_p: the synchronous
    // step, when the optimizer has no state.
    try (TrainingData data = TrainingData.of(SparkTestSession.frame(
        SparkTestSession.classificationRows(300, 5), 2), "features", "label",
        new PlainClassifier())) {
      BatchPlan plan = data.plan(50, 2, true);
      SparkTrainer local = new SparkTrainer(SparkTestSession.sc(), new PlainClassifier(),
          PlainClassifier::new, LossReduction.MEAN);
      SparkTrainer sync = new SparkTrainer(SparkTestSession.sc(), new PlainClassifier(),
          PlainClassifier::new, LossReduction.MEAN);
      SparkTrainer.EpochStats a = local.trainEpochLocalSgd(data, plan, 0, 1);
      SparkTrainer.EpochStats b = sync.trainEpoch(data, plan, 0);
      assertEquals(b.meanLoss(), a.meanLoss(), 1e-5);
      SynchronousTrainingTest.assertClose(sync.master(), local.master());
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
}
