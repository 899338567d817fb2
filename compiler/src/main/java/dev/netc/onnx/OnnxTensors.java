package dev.netc.onnx;

import com.google.protobuf.ByteString;
import dev.netc.onnx.proto.OnnxProto.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Decodes ONNX tensors, checking every declared size against the bytes that are really there
 * before allocating anything: a hostile file cannot make netc allocate more than it holds.
 */
final class OnnxTensors {
  /** The most values one tensor may hold: netc's limit on a network's parameters (2^28). */
  static final long MAX_VALUES = 1L << 28;

  private OnnxTensors() {}

  /** A decoded tensor: its dimensions and values (integers are stored exactly as doubles). */
  record Decoded(long[] dims, double[] values, boolean integer) {
    /** The number of values. */
    int size() {
      return values.length;
    }

    /** The dimensions as text, e.g. {@code [8, 6]}. */
    String shape() {
      return Arrays.toString(dims);
    }
  }

  /** Decodes a float, double, int32, int64 or bool tensor held inside the model. */
  static Decoded decode(TensorProto t) throws OnnxException {
    String what = "tensor " + Text.quote(t.getName());
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
      throw new OnnxException(what + " keeps its data in an external file; netc reads only "
          + "self-contained models (in PyTorch, export without external data)");
    }
    long count = 1;
    long[] dims = new long[t.getDimsCount()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = t.getDims(i);
      if (dims[i] < 0) {
        throw new OnnxException(what + " has a negative dimension " + dims[i]);
      }
      count = dims[i] == 0 ? 0 : (count > MAX_VALUES / dims[i] ? MAX_VALUES + 1 : count * dims[i]);
    }
    if (count > MAX_VALUES) {
      throw new OnnxException(what + " declares the shape " + Arrays.toString(dims)
          + ", more than the " + MAX_VALUES + " values netc allows in a tensor");
    }
    int n = (int) count;
    int type = t.getDataType();
    int width = switch (type) {
      case TensorProto.DataType.BOOL_VALUE -> 1;
      case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.INT32_VALUE -> 4;
      case TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.INT64_VALUE -> 8;
      default -> throw new OnnxException(what + " has data type " + typeName(type)
          + "; netc reads float, double, int32, int64 and bool tensors");
    };
    boolean integer = type != TensorProto.DataType.FLOAT_VALUE
        && type != TensorProto.DataType.DOUBLE_VALUE;
    if (t.hasRawData()) {
      return new Decoded(dims, raw(t.getRawData(), n, width, type, what), integer);
    }
    int have = switch (type) {
      case TensorProto.DataType.FLOAT_VALUE -> t.getFloatDataCount();
      case TensorProto.DataType.DOUBLE_VALUE -> t.getDoubleDataCount();
      case TensorProto.DataType.INT32_VALUE, TensorProto.DataType.BOOL_VALUE ->
          t.getInt32DataCount();
      default -> t.getInt64DataCount();
    };
    if (have != n) {
      throw new OnnxException(what + " has " + have + " values for its shape "
          + Arrays.toString(dims) + " (" + n + " values)");
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = switch (type) {
        case TensorProto.DataType.FLOAT_VALUE -> t.getFloatData(i);
        case TensorProto.DataType.DOUBLE_VALUE -> t.getDoubleData(i);
        case TensorProto.DataType.INT32_VALUE, TensorProto.DataType.BOOL_VALUE ->
            t.getInt32Data(i);
        default -> t.getInt64Data(i);
      };
    }
    return new Decoded(dims, values, integer);
  }

  private static double[] raw(ByteString bytes, int n, int width, int type, String what)
      throws OnnxException {
    long need = (long) n * width;
    if (bytes.size() != need) {
      throw new OnnxException(what + " has " + bytes.size() + " bytes of data for its shape ("
          + n + " values, " + need + " bytes)");
    }
    ByteBuffer b = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = switch (type) {
        case TensorProto.DataType.FLOAT_VALUE -> b.getFloat();
        case TensorProto.DataType.DOUBLE_VALUE -> b.getDouble();
        case TensorProto.DataType.INT32_VALUE -> b.getInt();
        case TensorProto.DataType.BOOL_VALUE -> b.get();
        default -> b.getLong();
      };
    }
    return values;
  }

  /** The ONNX name of a data type number, e.g. {@code FLOAT16}. */
  static String typeName(int type) {
    TensorProto.DataType t = TensorProto.DataType.forNumber(type);
    return t == null ? "number " + type : t.name();
  }
}
