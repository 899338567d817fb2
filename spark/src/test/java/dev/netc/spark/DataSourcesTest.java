package dev.netc.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.spark.nets.SmallClassifier;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training rows read through Spark SQL arrive in the blocks unchanged. */
class DataSourcesTest {

  @Test
  void parquetWithADoubleArrayAndALongLabelBecomesFloatBlocks(@TempDir Path dir) {
    List<Row> rows = SparkTestSession.classificationRows(50, 3);
    String file = dir.resolve("rows.parquet").toString();
    // Stored as a Spark user might have it: array<double> features, bigint labels, plus an id.
    SparkTestSession.frame(rows, 1)
        .withColumn("id", functions.monotonically_increasing_id())
        .withColumn("pixels", functions.col("features").cast("array<double>"))
        .withColumn("class", functions.col("label").cast("bigint"))
        .select("id", "pixels", "class")
        .write().parquet(file);
    Dataset<Row> read = SparkTestSession.spark().read().parquet(file).orderBy("id").coalesce(1);
    try (TrainingData data = TrainingData.of(read, "pixels", "class", new SmallClassifier())) {
      assertEquals(50, data.count());
      Block block = data.blocks().collect().stream()
          .max(Comparator.comparingInt(Block::count)).orElseThrow();
      assertEquals(50, block.count());
      for (int i = 0; i < 50; i++) {
        float[] x = new float[6];
        System.arraycopy(block.inputs(), i * 6, x, 0, 6);
        assertArrayEquals((float[]) rows.get(i).get(0), x);
        assertEquals(rows.get(i).getInt(1), block.targets()[i]);
      }
    }
  }
}
