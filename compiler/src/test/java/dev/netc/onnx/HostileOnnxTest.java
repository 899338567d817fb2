package dev.netc.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.netc.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.netc.onnx.proto.OnnxProto.TensorProto;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed and hostile {@code .onnx} files: each is one clear {@link OnnxException}, and nothing
 * is allocated for sizes the file only declares.
 */
class HostileOnnxTest {

  private static String refusal(byte[] bytes) {
    return assertThrows(OnnxException.class, () -> OnnxImport.run(bytes, "h.onnx", "h.net",
        OnnxImport.Options.defaults())).getMessage();
  }

  private static ModelBuilder gemmOn(TensorProto.Builder weight) {
    return new ModelBuilder().input("x", 2).init(weight)
        .node("Gemm", "g", List.of("x", "w"), List.of("y"), ModelBuilder.intAttr("transB", 1))
        .output("y");
  }

  @Test
  void truncatedFilesAtEveryLength() {
    byte[] model = Fixtures.onnx("activations");
    for (int length = 1; length < model.length; length += 7) {
      String message = refusal(Arrays.copyOf(model, length));
      assertTrue(message.startsWith("not an ONNX model") || message.contains("tensor")
          || message.startsWith("the graph") || message.startsWith("node")
          || message.startsWith("the input") || message.startsWith("the model uses"),
          length + ": " + message);
    }
    assertTrue(refusal(Arrays.copyOf(model, model.length / 2))
        .startsWith("not an ONNX model, or a truncated one (protobuf: "));
  }

  @Test
  void emptyGarbageAndOtherFormats() {
    assertEquals("the file is empty, not an ONNX model", refusal(new byte[0]));
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H'};
    assertTrue(refusal(png).startsWith("not an ONNX model"), refusal(png));
    byte[] text = "network Xor { input 2 dense 1 sigmoid }".getBytes(StandardCharsets.UTF_8);
    assertTrue(refusal(text).startsWith("not an ONNX model"), refusal(text));
    Random random = new Random(17);
    for (int i = 0; i < 500; i++) {
      byte[] garbage = new byte[1 + random.nextInt(300)];
      random.nextBytes(garbage);
      refusal(garbage);
    }
  }

  @Test
  void hugeDeclaredDimensionsAllocateNothing() {
    String message = refusal(gemmOn(ModelBuilder.tensor("w", 1L << 20, 1L << 20)).bytes());
    assertEquals("tensor 'w' declares the shape [1048576, 1048576], more than the 268435456 "
        + "values netc allows in a tensor", message);
    assertTrue(refusal(gemmOn(ModelBuilder.tensor("w", Long.MAX_VALUE, Long.MAX_VALUE, 2))
        .bytes()).contains("more than the 268435456 values"));
    assertEquals("tensor 'w' has a negative dimension -3",
        refusal(gemmOn(ModelBuilder.tensor("w", 2, -3)).bytes()));
  }

  @Test
  void dataShorterThanTheShape() {
    assertEquals("tensor 'w' has 12 bytes of data for its shape (4 values, 16 bytes)",
        refusal(gemmOn(ModelBuilder.tensor("w", 2, 2)
            .setRawData(ByteString.copyFrom(new byte[12]))).bytes()));
    assertEquals("tensor 'w' has 3 values for its shape [2, 2] (4 values)",
        refusal(gemmOn(ModelBuilder.tensor("w", 2, 2).addFloatData(1).addFloatData(2)
            .addFloatData(3)).bytes()));
  }

  @Test
  void externalDataIsNeverOpened() {
    TensorProto.Builder w = ModelBuilder.tensor("w", 2, 2)
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(StringStringEntryProto.newBuilder().setKey("location")
            .setValue("/etc/passwd"));
    assertEquals("tensor 'w' keeps its data in an external file; netc reads only "
        + "self-contained models (in PyTorch, export without external data)",
        refusal(gemmOn(w).bytes()));
  }

  @Test
  void cyclesAndUndefinedNames() {
    ModelBuilder cycle = ModelBuilder.small()
        .node("Relu", "r", List.of("h"), List.of("a"))
        .node("Gemm", "g1", List.of("a", "fc1.weight", "fc1.bias"), List.of("h"),
            ModelBuilder.intAttr("transB", 1))
        .output("h");
    assertEquals("node 'r' (Relu), node 1 of 2: uses 'h' before a later node computes it: the "
        + "graph has a cycle or is not in topological order", refusal(cycle.bytes()));
    ModelBuilder self = ModelBuilder.small()
        .node("Relu", "r", List.of("a"), List.of("a")).output("a");
    assertTrue(refusal(self.bytes()).contains("cycle"), refusal(self.bytes()));
    ModelBuilder undefined = ModelBuilder.small()
        .node("Relu", "r", List.of("nowhere"), List.of("a")).output("a");
    assertEquals("node 'r' (Relu), node 1 of 1: uses 'nowhere', which no node, initializer or "
        + "input defines", refusal(undefined.bytes()));
  }

  @Test
  void twoGigabyteDeclaredLengthInATinyFile() {
    // ModelProto field 7 (graph), length-delimited, declaring 2^31 - 1 bytes, then 8 bytes.
    byte[] bytes = {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07,
        1, 2, 3, 4, 5, 6, 7, 8};
    assertTrue(refusal(bytes).startsWith("not an ONNX model, or a truncated one"),
        refusal(bytes));
    // A raw_data field declaring 2 GB inside a tensor.
    byte[] model = gemmOn(ModelBuilder.tensor("w", 1L << 29)
        .setRawData(ByteString.copyFrom(new byte[8]))).bytes();
    assertTrue(refusal(model).startsWith("tensor 'w' declares the shape [536870912]"),
        refusal(model));
  }

  @Test
  void structureThatWouldMultiplyInMemoryIsRefusedBeforeParsing() {
    // 1.5 million nodes of 8 bytes: 12 MB on disk, ~200 MB as parsed objects.
    ModelBuilder many = ModelBuilder.small();
    dev.netc.onnx.proto.OnnxProto.NodeProto relu =
        dev.netc.onnx.proto.OnnxProto.NodeProto.newBuilder().setOpType("Relu").build();
    for (int i = 0; i < 1_500_000; i++) {
      many.graph.addNode(relu);
    }
    assertTrue(refusal(many.bytes()).startsWith("the model's structure (nodes, names, attributes,"
        + " integer data) takes "), refusal(many.bytes()));
    // int64 data: 1 byte per value on disk, 8 in memory.
    TensorProto.Builder ints = ModelBuilder.tensor("w", 9_000_000)
        .setDataType(TensorProto.DataType.INT64_VALUE);
    for (int i = 0; i < 9_000_000; i++) {
      ints.addInt64Data(0);
    }
    assertTrue(refusal(gemmOn(ints).bytes()).startsWith("the model's structure"));
    ModelBuilder inits = ModelBuilder.small();
    for (int i = 0; i < 70_000; i++) {
      inits.init(TensorProto.newBuilder());
    }
    assertEquals("the graph has 70004 initializers; netc reads at most 65536",
        refusal(inits.bytes()));
  }

  @Test
  void filesLargerThanTheLimitAreNotRead(@TempDir Path dir) throws IOException {
    Path big = dir.resolve("big.onnx");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(2L << 30); // sparse: no disk used
    }
    OnnxException e = assertThrows(OnnxException.class, () -> OnnxFiles.readBytes(big));
    assertEquals("the file has 2147483648 bytes; netc reads ONNX models of at most "
        + OnnxFiles.MAX_FILE_BYTES + " bytes", e.getMessage());
    Files.delete(big);
  }

  @Test
  void namesFromTheFileCannotBreakMessagesOrTheNetFile() throws OnnxException {
    String evil = "fc1\n}\nnetwork Evil {\u2028";
    OnnxImport.Result r = new ModelBuilder().input("x", 2)
        .init(evil + ".weight", new long[] {1, 2}, 1, 1)
        .node("Gemm", "g\nx", List.of("x", evil + ".weight"), List.of("y"),
            ModelBuilder.intAttr("transB", 1))
        .output("y").importIt();
    assertEquals(List.of("dense1"), r.network().layers().stream().map(l -> l.name()).toList());
    assertEquals(1, r.netSource().lines().filter(l -> l.startsWith("network")).count());
    String message = refusal(new ModelBuilder().input("x", 2)
        .node("Relu", "r\n\u2028evil", List.of("x"), List.of("y")).output("y").bytes());
    assertTrue(message.startsWith("node 'r??evil' (Relu)"), message);
  }
}
