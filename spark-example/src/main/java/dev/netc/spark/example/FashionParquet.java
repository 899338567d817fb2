package dev.netc.spark.example;

import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Idx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Converts the Fashion-MNIST IDX files into the form a Spark user keeps data in: Parquet with a
 * {@code features} column ({@code array<float>}, 784 pixels scaled to [0, 1]) and a
 * {@code label} column (int class index).
 */
public final class FashionParquet {
  /** The schema of the converted files. */
  public static final StructType SCHEMA = new StructType()
      .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("label", DataTypes.IntegerType, false);

  private FashionParquet() {}

  /** The file {@code name} or {@code name.gz} in {@code dir}, or null. */
  static Path idxFile(Path dir, String name) {
    for (Path p : new Path[] {dir.resolve(name + ".gz"), dir.resolve(name)}) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Writes {@code prefix}'s images and labels ({@code train} or {@code t10k}) from the IDX files
   * in {@code idxDir} as Parquet at {@code out} (any Hadoop path), unless a complete conversion
   * is already there.
   */
  public static void convertOnce(SparkSession spark, Path idxDir, String prefix, String out)
      throws IOException {
    org.apache.hadoop.fs.Path done = new org.apache.hadoop.fs.Path(out, "_SUCCESS");
    if (done.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(done)) {
      return;
    }
    Path images = idxFile(idxDir, prefix + "-images-idx3-ubyte");
    Path labels = idxFile(idxDir, prefix + "-labels-idx1-ubyte");
    if (images == null || labels == null) {
      throw new IOException("no Fashion-MNIST " + prefix + " IDX files in '" + idxDir
          + "' (apt-get install dataset-fashion-mnist)");
    }
    Dataset data = Idx.read(images, labels, 10, Dataset.Type.FLOAT);
    float[] pixels = data.floatInputs();
    int width = data.inputSize();
    List<Row> rows = new ArrayList<>(data.count());
    for (int i = 0; i < data.count(); i++) {
      float[] x = new float[width];
      System.arraycopy(pixels, i * width, x, 0, width);
      rows.add(RowFactory.create(x, data.label(i)));
    }
    spark.createDataFrame(rows, SCHEMA).write().mode(SaveMode.Overwrite).parquet(out);
  }
}
