package dev.netc.spark;

import java.util.Arrays;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;

/** Turns the columns a Spark user has (arrays, ML vectors, numbers) into {@code array<float>}. */
final class Columns {
  private static final DataType FLOATS = DataTypes.createArrayType(DataTypes.FloatType, true);

  private Columns() {}

  /**
   * Column {@code name} of {@code df} as an {@code array<float>}: an array of numbers is cast, an
   * ML vector converted ({@code vector_to_array}), a single number wrapped in a one-element array.
   *
   * @throws IllegalArgumentException if there is no such column or its type is none of these
   */
  static Column asFloatArray(Dataset<Row> df, String name) {
    if (!Arrays.asList(df.columns()).contains(name)) {
      throw new IllegalArgumentException("no column '" + name + "' among "
          + Arrays.toString(df.columns()));
    }
    DataType type = df.schema().apply(name).dataType();
    Column column = df.col(name);
    if (type instanceof VectorUDT) {
      return org.apache.spark.ml.functions.vector_to_array(column, "float32");
    }
    if (type instanceof ArrayType array && array.elementType() instanceof NumericType) {
      return column.cast(FLOATS);
    }
    if (type instanceof NumericType) {
      return functions.array(column.cast(DataTypes.FloatType));
    }
    throw new IllegalArgumentException("column '" + name + "' has type " + type.simpleString()
        + "; expected an array of numbers, an ML vector or a number");
  }
}
