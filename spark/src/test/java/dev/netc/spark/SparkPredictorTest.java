package dev.netc.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.FloatNetwork;
import dev.netc.spark.nets.SmallClassifier;
import dev.netc.spark.nets.TwoOutputs;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Batch inference matches the network run on the driver, row for row. */
class SparkPredictorTest {

  @Test
  void aClassifierAddsTheClassAndItsProbabilitiesToEachRow() {
    // 600 rows: more than one chunk per partition.
    List<Row> rows = SparkTestSession.classificationRows(600, 8);
    SmallClassifier net = new SmallClassifier(77L);
    SparkPredictor predictor = SparkPredictor.of(SparkTestSession.sc(), net,
        SmallClassifier::new);
    assertTrue(predictor.isClassifier());
    List<Row> out = predictor.transform(SparkTestSession.frame(rows, 2), "features")
        .collectAsList();
    assertEquals(600, out.size());
    float[] expected = new float[3];
    for (int i = 0; i < rows.size(); i++) {
      Row row = out.get(i);
      net.predict((float[]) rows.get(i).get(0), expected);
      assertEquals(rows.get(i).getInt(1), row.getInt(row.fieldIndex("label")));
      assertArrayEquals(expected, floats(row.getList(row.fieldIndex("probability"))), 1e-6f);
      assertEquals(SparkPredictor.argmax(expected), row.getInt(row.fieldIndex("prediction")));
    }
  }

  @Test
  void otherNetworksAddTheirOutputsFromAVectorColumn() {
    StructType schema = new StructType().add("id", DataTypes.LongType)
        .add("x", SQLDataTypes.VectorType());
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      rows.add(RowFactory.create((long) i, Vectors.dense(i / 10.0, -i / 20.0, 0.5)));
    }
    Dataset<Row> df = SparkTestSession.spark()
        .createDataFrame(SparkTestSession.sc().parallelize(rows, 2), schema);
    TwoOutputs net = new TwoOutputs(5L);
    SparkPredictor predictor = SparkPredictor.of(SparkTestSession.sc(), net, TwoOutputs::new);
    assertFalse(predictor.isClassifier());
    List<Row> out = predictor.transform(df, "x").collectAsList();
    float[] expected = new float[2];
    for (Row row : out) {
      long i = row.getLong(0);
      net.predict(new float[] {(float) (i / 10.0), (float) (-i / 20.0), 0.5f}, expected);
      assertArrayEquals(expected, floats(row.getList(2)), 1e-6f);
    }
    assertEquals(List.of("id", "x", "output"), List.of(out.get(0).schema().fieldNames()));
  }

  @Test
  void anRddOfArraysGetsOneOutputArrayPerRowInOrder() {
    List<float[]> inputs = new ArrayList<>();
    for (Row row : SparkTestSession.classificationRows(300, 4)) {
      inputs.add((float[]) row.get(0));
    }
    FloatNetwork net = new SmallClassifier(9L);
    List<float[]> out = SparkPredictor.of(SparkTestSession.sc(), net, SmallClassifier::new)
        .predict(SparkTestSession.sc().parallelize(inputs, 3)).collect();
    float[] expected = new float[3];
    for (int i = 0; i < inputs.size(); i++) {
      net.predict(inputs.get(i), expected);
      assertArrayEquals(expected, out.get(i), 1e-6f);
    }
  }

  private static float[] floats(List<Object> values) {
    float[] f = new float[values.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (Float) values.get(i);
    }
    return f;
  }
}
