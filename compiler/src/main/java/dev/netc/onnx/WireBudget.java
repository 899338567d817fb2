package dev.netc.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Bounds what parsing a model costs before it is parsed. Parsed messages take far more memory than
 * their bytes (a 10-byte node becomes ~150 bytes of objects, a 1-byte int64 value 8), so only
 * bulk tensor data may be large: the rest of the file (nodes, names, attributes, metadata, typed
 * integer data) must fit in {@link #MAX_STRUCTURE_BYTES}, and a graph may hold at most
 * {@link #MAX_INITIALIZERS} initializers. The scan walks the wire format without allocating.
 */
final class WireBudget {
  /** Bytes of the model outside bulk tensor data; a 1024-layer MLP needs well under 1 MiB. */
  static final long MAX_STRUCTURE_BYTES = 8L << 20;

  /** Initializers of one graph; netc networks have at most 2048 parameter tensors. */
  static final int MAX_INITIALIZERS = 65536;

  private static final int MODEL_GRAPH = 7;
  private static final int GRAPH_INITIALIZER = 5;
  private static final int TENSOR_FLOAT_DATA = 4;
  private static final int TENSOR_RAW_DATA = 9;
  private static final int TENSOR_DOUBLE_DATA = 10;

  private long structure;
  private int initializers;

  private WireBudget() {}

  /** Fails when the model would cost too much to parse; malformed bytes are left to the parser. */
  static void check(byte[] bytes) throws OnnxException {
    WireBudget budget = new WireBudget();
    try {
      budget.message(CodedInputStream.newInstance(bytes), 0);
    } catch (InvalidProtocolBufferException e) {
      return;
    } catch (IOException e) {
      return;
    }
    if (budget.initializers > MAX_INITIALIZERS) {
      throw new OnnxException("the graph has " + budget.initializers + " initializers; netc "
          + "reads at most " + MAX_INITIALIZERS);
    }
    if (budget.structure > MAX_STRUCTURE_BYTES) {
      throw new OnnxException("the model's structure (nodes, names, attributes, integer data) "
          + "takes " + budget.structure + " bytes; netc reads at most " + MAX_STRUCTURE_BYTES
          + " (its networks have at most 1024 layers)");
    }
  }

  /** Walks one message: 0 a model, 1 its graph, 2 an initializer of the graph. */
  private void message(CodedInputStream in, int level) throws IOException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      int field = WireFormat.getTagFieldNumber(tag);
      boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
      int start = in.getTotalBytesRead();
      if (delimited && isDescended(level, field)) {
        int length = in.readRawVarint32();
        if (level == 1) {
          initializers++;
        }
        int limit = in.pushLimit(length);
        message(in, level + 1);
        in.popLimit(limit);
      } else {
        in.skipField(tag);
        if (!(level == 2 && isBulk(field))) {
          structure += in.getTotalBytesRead() - start;
        }
      }
    }
  }

  private static boolean isDescended(int level, int field) {
    return (level == 0 && field == MODEL_GRAPH) || (level == 1 && field == GRAPH_INITIALIZER);
  }

  private static boolean isBulk(int field) {
    return field == TENSOR_RAW_DATA || field == TENSOR_FLOAT_DATA || field == TENSOR_DOUBLE_DATA;
  }
}
