package dev.netc.spark.example;

import dev.netc.runtime.LossReduction;
import dev.netc.runtime.io.Weights;
import dev.netc.spark.BatchPlan;
import dev.netc.spark.SparkPredictor;
import dev.netc.spark.SparkTrainer;
import dev.netc.spark.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Trains the generated {@link FashionMlp} ({@code examples/fashion.net}) on Fashion-MNIST with
 * Spark: the IDX files are converted to Parquet once, read back through Spark SQL, trained on
 * with the synchronous {@link SparkTrainer} (or local SGD with {@code --local-sgd K}), evaluated
 * with the {@link SparkPredictor} after every epoch, and the weights written as safetensors
 * that {@code netc eval} reads. {@code spark/run-example.sh} runs it in {@code local[2]}; on a
 * cluster, {@code spark-submit} the {@code -app} jar (see the README).
 */
public final class FashionMnistSpark {
  private FashionMnistSpark() {}

  /** What to run; see {@link #usage}. */
  record Options(Path idx, String parquet, String master, int epochs, int batch, int partitions,
      int localSgd, long seed, Path out) {}

  /** Runs the example; exit code 1 for bad data or files, 2 for bad options. */
  public static void main(String[] args) {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("fashion-spark: error: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    SparkSession.Builder builder = SparkSession.builder().appName("netc Fashion-MNIST");
    if (o.master() != null) {
      builder.master(o.master());
      if (o.master().startsWith("local")) {
        builder.config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", false);
      }
    }
    try (SparkSession spark = builder.getOrCreate()) {
      run(spark, o);
    } catch (IOException | IllegalArgumentException e) { // BadRowException included
      System.err.println("fashion-spark: error: " + e.getMessage());
      System.exit(1);
    }
  }

  static void run(SparkSession spark, Options o) throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    FashionParquet.convertOnce(spark, o.idx(), "train", o.parquet() + "/train");
    FashionParquet.convertOnce(spark, o.idx(), "t10k", o.parquet() + "/test");
    Dataset<Row> train = spark.read().parquet(o.parquet() + "/train").repartition(o.partitions());
    Dataset<Row> test = spark.read().parquet(o.parquet() + "/test").cache();
    long testCount = test.count();
    FashionMlp master = new FashionMlp();
    try (TrainingData data = TrainingData.of(train, "features", "label", master)) {
      BatchPlan plan = data.plan(o.batch(), o.seed(), true);
      System.out.printf("training FashionMlp on %d rows in %d partitions (shares %s), global "
          + "batch %d, %d steps per epoch, %s%n", data.count(), plan.partitions(),
          java.util.Arrays.toString(plan.shares()), o.batch(), plan.steps(),
          o.localSgd() > 0 ? "local SGD averaging every " + o.localSgd() + " steps"
              : "synchronous");
      SparkTrainer trainer = new SparkTrainer(sc, master, FashionMlp::new, LossReduction.MEAN);
      for (int epoch = 1; epoch <= o.epochs(); epoch++) {
        SparkTrainer.EpochStats s = o.localSgd() > 0
            ? trainer.trainEpochLocalSgd(data, plan, epoch, o.localSgd())
            : trainer.trainEpoch(data, plan, epoch);
        System.out.printf("epoch %d/%d: loss %.4f, test accuracy %.4f, %.0f samples/s (%.1f s)%n",
            epoch, o.epochs(), s.meanLoss(), accuracy(sc, master, test, testCount),
            s.samplesPerSecond(), s.seconds());
      }
    }
    Weights.save(o.out(), master);
    System.out.println("wrote " + o.out());
  }

  /** The share of {@code test}'s rows whose predicted class is their label. */
  static double accuracy(JavaSparkContext sc, FashionMlp net, Dataset<Row> test, long count) {
    Dataset<Row> predicted = SparkPredictor.of(sc, net, FashionMlp::new)
        .transform(test, "features");
    return (double) predicted.filter(functions.col("prediction").equalTo(functions.col("label")))
        .count() / count;
  }

  static Options parse(String[] args) {
    Path idx = Path.of("/usr/share/datasets/fashion-mnist");
    String parquet = "fashion-parquet";
    String master = null;
    int epochs = 10;
    int batch = 256;
    int partitions = 2;
    int localSgd = 0;
    long seed = 1;
    Path out = Path.of("fashion-spark.safetensors");
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after '" + args[i] + "'");
      }
      String v = args[i + 1];
      switch (args[i]) {
        case "--data" -> idx = Path.of(v);
        case "--parquet" -> parquet = v;
        case "--master" -> master = v;
        case "--epochs" -> epochs = positive(args[i], v);
        case "--batch" -> batch = positive(args[i], v);
        case "--partitions" -> partitions = positive(args[i], v);
        case "--local-sgd" -> localSgd = positive(args[i], v);
        case "--seed" -> seed = positive(args[i], v);
        case "--out" -> out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
      }
    }
    return new Options(idx, parquet, master, epochs, batch, partitions, localSgd, seed, out);
  }

  private static int positive(String option, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(option + " needs a positive whole number, not '" + value
        + "'");
  }

  static String usage() {
    return "usage: FashionMnistSpark [--data IDX_DIR] [--parquet DIR] [--master URL]"
        + " [--epochs E] [--batch B] [--partitions P] [--local-sgd K] [--seed S]"
        + " [--out W.safetensors]";
  }
}
