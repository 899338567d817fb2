package dev.netc.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.netc.onnx.proto.OnnxProto.ModelProto;
import dev.netc.onnx.proto.OnnxProto.OperatorSetIdProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads {@code .onnx} files: protobuf bytes into a {@link ModelProto}, with the checks that make a
 * hostile file fail with a message instead of exhausting memory.
 */
public final class OnnxFiles {
  /**
   * The largest file read: netc's 2^28-parameter limit as float, plus room for the graph. Memory
   * used while importing stays proportional to the file's size (tensor data is aliased, not
   * copied, until a tensor's declared size has been checked against its bytes).
   */
  public static final long MAX_FILE_BYTES = (1L << 30) + (64L << 20);

  /** The operator set versions of the default ONNX domain that netc imports. */
  public static final int MIN_OPSET = 9;

  /** The newest operator set version netc imports and exports. */
  public static final int MAX_OPSET = 21;

  private OnnxFiles() {}

  /** The bytes of {@code path}, refused before reading when larger than {@link #MAX_FILE_BYTES}. */
  public static byte[] readBytes(Path path) throws IOException, OnnxException {
    long size = Files.size(path);
    if (size > MAX_FILE_BYTES) {
      throw new OnnxException("the file has " + size + " bytes; netc reads ONNX models of at most "
          + MAX_FILE_BYTES + " bytes");
    }
    return Files.readAllBytes(path);
  }

  /** Parses a model and checks that it is a graph of the default domain in a supported opset. */
  public static ModelProto parse(byte[] bytes) throws OnnxException {
    if (bytes.length == 0) {
      throw new OnnxException("the file is empty, not an ONNX model");
    }
    WireBudget.check(bytes);
    ModelProto model;
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.enableAliasing(true);
      model = ModelProto.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
    } catch (InvalidProtocolBufferException e) {
      throw new OnnxException("not an ONNX model, or a truncated one (protobuf: "
          + Text.oneLine(e.getMessage()) + ")");
    } catch (IOException e) {
      throw new OnnxException("cannot decode the model: " + Text.oneLine(e.getMessage()));
    }
    if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
      throw new OnnxException("not an ONNX model: it has no graph of nodes");
    }
    int opset = opset(model);
    if (opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new OnnxException("the model uses ONNX opset " + opset + "; netc imports opsets "
          + MIN_OPSET + " to " + MAX_OPSET);
    }
    return model;
  }

  /** The model's opset version for the default domain ({@code ""} or {@code ai.onnx}). */
  static int opset(ModelProto model) throws OnnxException {
    for (OperatorSetIdProto id : model.getOpsetImportList()) {
      if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, id.getVersion()));
      }
    }
    throw new OnnxException("not an ONNX model: it imports no operator set of the ONNX domain");
  }
}
