package dev.netc.spark;

import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch inference with a generated network on a Spark cluster: the trained parameters are
 * broadcast once, and each partition makes one instance and runs it over its rows in chunks of
 * {@value Chunks#CHUNK} ({@code predictBatch}).
 *
 * <p>A classifier (a cross_entropy network: softmax outputs, one class index as target) adds the
 * columns {@code prediction} (int, the most probable class) and {@code probability}
 * ({@code array<float>}); any other network adds {@code output} ({@code array<float>}).
 */
public final class SparkPredictor implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String INPUTS = "__netc_inputs";

  private final NetworkFactory<? extends FloatNetwork> factory;
  private final Broadcast<float[]> parameters;
  private final int inputSize;
  private final int outputSize;
  private final boolean classifier;

  private SparkPredictor(NetworkFactory<? extends FloatNetwork> factory,
      Broadcast<float[]> parameters, FloatNetwork shape) {
    this.factory = factory;
    this.parameters = parameters;
    this.inputSize = shape.inputSize();
    this.outputSize = shape.outputSize();
    this.classifier = shape instanceof TrainableFloatNetwork t && t.targetWidth() == 1
        && t.outputSize() > 1;
  }

  /** A predictor with {@code trained}'s current parameters; executors use {@code factory}. */
  public static SparkPredictor of(JavaSparkContext sc, FloatNetwork trained,
      NetworkFactory<? extends FloatNetwork> factory) {
    Objects.requireNonNull(factory, "factory");
    float[] values = new float[trained.parameterCount()];
    trained.getParameters(values);
    return new SparkPredictor(factory, sc.broadcast(values), trained);
  }

  /** Whether {@link #transform} adds a class index and probabilities. */
  public boolean isClassifier() {
    return classifier;
  }

  /**
   * {@code df} with the prediction columns added, computed from {@code featuresColumn} (an array
   * of numbers or an ML vector). Lazy, like any transformation; a row whose features have the
   * wrong width or a NaN fails the job with a {@link BadRowException} naming it.
   */
  public Dataset<Row> transform(Dataset<Row> df, String featuresColumn) {
    for (String name : outputColumns()) {
      if (Arrays.asList(df.columns()).contains(name)) {
        throw new IllegalArgumentException("the data already has a column '" + name + "'");
      }
    }
    StructType schema = df.schema();
    int width = schema.size();
    for (String name : outputColumns()) {
      schema = name.equals("prediction")
          ? schema.add(name, DataTypes.IntegerType, false)
          : schema.add(name, DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }
    Dataset<Row> withInputs = df.withColumn(INPUTS, Columns.asFloatArray(df, featuresColumn));
    MapPartitionsFunction<Row, Row> run = rows -> rowChunks(rows, width);
    return withInputs.mapPartitions(run, Encoders.row(schema));
  }

  /** The output rows of {@code inputs}, one {@code float[outputSize]} per input, in order. */
  public JavaRDD<float[]> predict(JavaRDD<float[]> inputs) {
    FlatMapFunction<Iterator<float[]>, float[]> run = rows -> arrayChunks(rows);
    return inputs.mapPartitions(run, true);
  }

  private List<String> outputColumns() {
    return classifier ? List.of("prediction", "probability") : List.of("output");
  }

  private FloatNetwork instance() {
    FloatNetwork net = factory.create();
    net.setParameters(parameters.value());
    return net;
  }

  private Iterator<Row> rowChunks(Iterator<Row> rows, int width) {
    FloatNetwork net = instance();
    RowCheck check = RowCheck.inputsOf(net);
    return new Chunks<Row, Row>(rows) {
      @Override
      float[] inputs(Row row, int partition, long position) {
        float[] xs = floats(row, width, partition, position);
        check.check(partition, position, xs, null);
        return xs;
      }

      @Override
      void run(List<Row> chunk, float[] xs, List<Row> out) {
        float[] ys = predictChunk(net, xs, chunk.size());
        for (int r = 0; r < chunk.size(); r++) {
          out.add(outputRow(chunk.get(r), width, Arrays.copyOfRange(ys, r * outputSize,
              (r + 1) * outputSize)));
        }
      }

      @Override
      int inputSize() {
        return inputSize;
      }
    };
  }

  private Iterator<float[]> arrayChunks(Iterator<float[]> rows) {
    FloatNetwork net = instance();
    RowCheck check = RowCheck.inputsOf(net);
    return new Chunks<float[], float[]>(rows) {
      @Override
      float[] inputs(float[] row, int partition, long position) {
        check.check(partition, position, row, null);
        return row;
      }

      @Override
      void run(List<float[]> chunk, float[] xs, List<float[]> out) {
        float[] ys = predictChunk(net, xs, chunk.size());
        for (int r = 0; r < chunk.size(); r++) {
          out.add(Arrays.copyOfRange(ys, r * outputSize, (r + 1) * outputSize));
        }
      }

      @Override
      int inputSize() {
        return inputSize;
      }
    };
  }

  private float[] predictChunk(FloatNetwork net, float[] xs, int rows) {
    float[] ys = new float[rows * outputSize];
    net.predictBatch(xs, ys, rows);
    return ys;
  }

  /** The row's normalized inputs column (after the {@code width} original columns). */
  private static float[] floats(Row row, int width, int partition, long position) {
    if (row.isNullAt(width)) {
      return null;
    }
    List<Object> values = row.getList(width);
    float[] xs = new float[values.size()];
    for (int i = 0; i < xs.length; i++) {
      Object v = values.get(i);
      if (v == null) {
        throw new BadRowException(partition, position, "features value " + i + " is null");
      }
      xs[i] = (Float) v;
    }
    return xs;
  }

  private Row outputRow(Row in, int width, float[] output) {
    Object[] values = new Object[width + (classifier ? 2 : 1)];
    for (int i = 0; i < width; i++) {
      values[i] = in.get(i);
    }
    if (classifier) {
      values[width] = argmax(output);
      values[width + 1] = output;
    } else {
      values[width] = output;
    }
    return RowFactory.create(values);
  }

  /** The index of the largest value (the first of equal ones), as the predicted class. */
  static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
