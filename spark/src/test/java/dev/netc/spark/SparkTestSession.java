package dev.netc.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The tests' Spark: in-process, two cores, four attempts per task, bound to 127.0.0.1, no UI. */
final class SparkTestSession {
  /** Features {@code array<float>}, label int. */
  static final StructType SCHEMA = new StructType()
      .add("features", DataTypes.createArrayType(DataTypes.FloatType, false))
      .add("label", DataTypes.IntegerType);

  private SparkTestSession() {}

  /** The shared session, created on first use (all test classes run in one JVM). */
  static synchronized SparkSession spark() {
    return SparkSession.builder()
        .master("local[2,4]")
        .appName("netc-spark-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", false)
        .config("spark.sql.shuffle.partitions", 2)
        .getOrCreate();
  }

  /** The session's Java context. */
  static JavaSparkContext sc() {
    return JavaSparkContext.fromSparkContext(spark().sparkContext());
  }

  /**
   * {@code n} rows of 6 standard-normal features labelled by the largest of three fixed linear
   * scores (a learnable 3-class task), as {@code float[]} features and an int label.
   */
  static List<Row> classificationRows(int n, long seed) {
    Random random = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = new float[6];
      for (int j = 0; j < 6; j++) {
        x[j] = (float) random.nextGaussian();
      }
      float[] score = {x[0] + x[1] - x[2], x[2] + x[3] - x[4], x[4] + x[5] - x[0]};
      rows.add(RowFactory.create(x, SparkPredictor.argmax(score)));
    }
    return rows;
  }

  /** {@code rows} in {@code partitions} contiguous partitions, in order. */
  static Dataset<Row> frame(List<Row> rows, int partitions) {
    return spark().createDataFrame(sc().parallelize(rows, partitions), SCHEMA);
  }
}
