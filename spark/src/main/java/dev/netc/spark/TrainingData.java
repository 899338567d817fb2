package dev.netc.spark;

import dev.netc.runtime.TrainableFloatNetwork;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Training rows on the cluster, cached per partition as one {@link Block} of primitive arrays.
 * Built from a DataFrame with a features column (array of numbers or ML vector) and a label
 * column (a class index for cross_entropy networks; otherwise a number, an array or a vector of
 * {@code targetWidth} values). The first pass checks every row and caches the blocks; the
 * partitioning of the DataFrame is kept (repartition it first to choose the parallelism).
 */
public final class TrainingData implements AutoCloseable {
  private final JavaRDD<Block> blocks;
  private final int[] partitionSizes;
  private final int inputSize;
  private final int targetWidth;

  private TrainingData(JavaRDD<Block> blocks, int[] partitionSizes, int inputSize,
      int targetWidth) {
    this.blocks = blocks;
    this.partitionSizes = partitionSizes;
    this.inputSize = inputSize;
    this.targetWidth = targetWidth;
  }

  /**
   * Reads, checks and caches {@code df}'s rows for {@code net}'s shape.
   *
   * @throws BadRowException naming the partition and row of the first bad row found
   * @throws IllegalArgumentException if a column is missing or of an unusable type
   */
  public static TrainingData of(Dataset<Row> df, String featuresColumn, String labelColumn,
      TrainableFloatNetwork net) {
    RowCheck check = RowCheck.of(net);
    Dataset<Example> examples = df.select(
        Columns.asFloatArray(df, featuresColumn).as("inputs"),
        Columns.asFloatArray(df, labelColumn).as("targets")).as(Encoders.bean(Example.class));
    JavaRDD<Block> blocks = examples.javaRDD()
        .mapPartitionsWithIndex((index, rows) -> List.of(toBlock(index, rows, check)).iterator(),
            true)
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      List<Integer> sizes = Jobs.run(() -> blocks.map(Block::count).collect());
      return new TrainingData(blocks, sizes.stream().mapToInt(Integer::intValue).toArray(),
          net.inputSize(), net.targetWidth());
    } catch (RuntimeException e) {
      blocks.unpersist(false);
      throw e;
    }
  }

  private static Block toBlock(int partition, Iterator<Example> rows, RowCheck check) {
    FloatBuffer xs = new FloatBuffer();
    FloatBuffer ts = new FloatBuffer();
    int count = 0;
    while (rows.hasNext()) {
      Example e = rows.next();
      check.check(partition, count, e.getInputs(), e.getTargets());
      xs.add(e.getInputs());
      ts.add(e.getTargets());
      count++;
    }
    return new Block(partition, xs.toArray(), ts.toArray(), count);
  }

  /** The cached blocks, one per partition in partition order. */
  public JavaRDD<Block> blocks() {
    return blocks;
  }

  /** Rows per partition, in partition order. */
  public int[] partitionSizes() {
    return partitionSizes.clone();
  }

  /** Number of rows. */
  public long count() {
    return Arrays.stream(partitionSizes).asLongStream().sum();
  }

  /** Inputs per row. */
  public int inputSize() {
    return inputSize;
  }

  /** Targets per row. */
  public int targetWidth() {
    return targetWidth;
  }

  /** The batch plan for these partitions; see {@link BatchPlan}. */
  public BatchPlan plan(int globalBatch, long seed, boolean shuffle) {
    return new BatchPlan(partitionSizes, globalBatch, seed, shuffle);
  }

  /** Drops the cached blocks. */
  @Override
  public void close() {
    blocks.unpersist(false);
  }

  /** A growing float array. */
  private static final class FloatBuffer {
    private float[] data = new float[1024];
    private int size;

    void add(float[] values) {
      if (size + values.length > data.length) {
        data = Arrays.copyOf(data, Math.max(size + values.length, data.length * 2));
      }
      System.arraycopy(values, 0, data, size, values.length);
      size += values.length;
    }

    float[] toArray() {
      return Arrays.copyOf(data, size);
    }
  }
}
