package dev.netc.onnx;

import static dev.netc.onnx.ModelBuilder.floatAttr;
import static dev.netc.onnx.ModelBuilder.intAttr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Graph shapes PyTorch rarely writes, built by hand: what is folded and what is refused. */
class HandBuiltModelsTest {

  @Test
  void identityAndDropoutPassTheirInputOn() throws OnnxException {
    OnnxImport.Result r = ModelBuilder.small()
        .node("Gemm", "g1", List.of("x", "fc1.weight", "fc1.bias"), List.of("h"),
            intAttr("transB", 1))
        .node("Identity", "id", List.of("h"), List.of("h2"))
        .node("Relu", "relu", List.of("h2"), List.of("a"))
        .node("Dropout", "drop", List.of("a"), List.of("d", "mask"))
        .node("Gemm", "g2", List.of("d", "fc2.weight", "fc2.bias"), List.of("y"),
            intAttr("transB", 1))
        .output("y").importIt();
    assertEquals(List.of("fc1", "fc2"), r.network().layers().stream().map(l -> l.name())
        .toList());
    // x = (1, 1): h = (3.5, 6.5, 12), relu keeps it, y = 3.5 - 6.5 + 24 + 0.25.
    double[] y = Fixtures.predict(r.network(), r.weights(), new double[] {1, 1}, 1);
    assertArrayEquals(new double[] {21.25}, y, 1e-6);
  }

  @Test
  void gemmAlphaBetaAndUntransposedWeightsFold() throws OnnxException {
    OnnxImport.Result r = new ModelBuilder().input("x", 2)
        .init("w", new long[] {2, 3}, 1, 2, 3, 4, 5, 6)
        .init("c", new long[] {1, 3}, 1, 1, 1)
        .node("Gemm", "g", List.of("x", "w", "c"), List.of("y"), floatAttr("alpha", 2),
            floatAttr("beta", 0.5f))
        .output("y").importIt();
    // W' = 2·wᵀ in [out, in], b = 0.5.
    assertArrayEquals(new double[] {2, 8, 4, 10, 6, 12},
        r.weights().get("dense1.weight").data(), 0);
    assertArrayEquals(new double[] {0.5, 0.5, 0.5}, r.weights().get("dense1.bias").data(), 0);
  }

  @Test
  void reshapeToMinusOneRowsIsAFlatten() throws OnnxException {
    ModelBuilder b = new ModelBuilder().input("x", 1, 2)
        .init("fc1.weight", new long[] {1, 2}, 1, 1)
        .init("fc1.bias", new long[] {1}, 0);
    b.graph.addInitializer(ModelBuilder.tensor("shape", 2)
        .setDataType(dev.netc.onnx.proto.OnnxProto.TensorProto.DataType.INT64_VALUE)
        .addInt64Data(-1).addInt64Data(2));
    OnnxImport.Result r = b.node("Reshape", "r", List.of("x", "shape"), List.of("f"))
        .node("Gemm", "g", List.of("f", "fc1.weight", "fc1.bias"), List.of("y"),
            intAttr("transB", 1))
        .output("y").importIt();
    assertEquals(2, r.network().inputSize());
  }

  @Test
  void viewOfAFixedBatchIsAFlatten() throws OnnxException {
    // torch.onnx.export without dynamic_axes folds x.view(x.size(0), -1) to Reshape [2, -1].
    ModelBuilder b = new ModelBuilder().inputWithBatch("x", 2, 1, 2)
        .init("fc1.weight", new long[] {1, 2}, 1, 1)
        .init("fc1.bias", new long[] {1}, 0);
    b.graph.addInitializer(ModelBuilder.tensor("shape", 2)
        .setDataType(dev.netc.onnx.proto.OnnxProto.TensorProto.DataType.INT64_VALUE)
        .addInt64Data(2).addInt64Data(-1));
    OnnxImport.Result r = b.node("Reshape", "r", List.of("x", "shape"), List.of("f"))
        .node("Gemm", "g", List.of("f", "fc1.weight", "fc1.bias"), List.of("y"),
            intAttr("transB", 1))
        .output("y").importIt();
    assertEquals(2, r.network().inputSize());
    ModelBuilder other = new ModelBuilder().inputWithBatch("x", 2, 1, 2);
    other.graph.addInitializer(ModelBuilder.tensor("shape", 2)
        .setDataType(dev.netc.onnx.proto.OnnxProto.TensorProto.DataType.INT64_VALUE)
        .addInt64Data(1).addInt64Data(-1));
    assertEquals("node 'r' (Reshape), node 1 of 1: reshapes [N, 1, 2] to [1, -1]; netc supports "
        + "only flattening each example, [N, -1] (N the batch size), and making images "
        + "[N, C, H, W] of the input",
        refusal(other.node("Reshape", "r", List.of("x", "shape"), List.of("y")).output("y")));
  }

  @Test
  void refusals() {
    assertEquals("node 'r2' (Relu), node 3 of 3: applies Relu after relu: a netc dense layer "
        + "has one activation", refusal(ModelBuilder.small()
            .node("Gemm", "g1", List.of("x", "fc1.weight", "fc1.bias"), List.of("h"),
                intAttr("transB", 1))
            .node("Relu", "r1", List.of("h"), List.of("a"))
            .node("Relu", "r2", List.of("a"), List.of("y")).output("y")));
    assertEquals("node 'r' (Relu), node 1 of 1: applies Relu to the network's input: netc "
        + "applies activations only to a dense or conv2d layer's output",
        refusal(ModelBuilder.small().node("Relu", "r", List.of("x"), List.of("y")).output("y")));
    assertEquals("node 'g2' (Gemm), node 3 of 3: follows a Softmax: softmax is supported only "
        + "on the last layer", refusal(ModelBuilder.small()
            .node("Gemm", "g1", List.of("x", "fc1.weight", "fc1.bias"), List.of("h"),
                intAttr("transB", 1))
            .node("Softmax", "s", List.of("h"), List.of("a"))
            .node("Gemm", "g2", List.of("a", "fc2.weight", "fc2.bias"), List.of("y"),
                intAttr("transB", 1)).output("y")));
    assertEquals("node 'g2' (Gemm), node 2 of 2: uses a tensor that node 'g1' also uses: "
        + "branches and skip connections are not supported yet", refusal(ModelBuilder.small()
            .node("Gemm", "g1", List.of("x", "fc1.weight", "fc1.bias"), List.of("h"),
                intAttr("transB", 1))
            .node("Gemm", "g2", List.of("x", "fc1.weight", "fc1.bias"), List.of("y"),
                intAttr("transB", 1)).output("y")));
    assertTrue(refusal(ModelBuilder.small()
        .node("Gemm", "g1", List.of("x", "fc1.weight", "fc1.bias"), List.of("h"),
            intAttr("transB", 1))
        .node("Relu", "r", List.of("h"), List.of("y")).output("y").output("h"))
        .startsWith("the graph has 2 outputs; netc networks have exactly one"));
    assertTrue(refusal(ModelBuilder.small()
        .node("Gemm", "g1", List.of("x", "fc1.weight", "fc1.bias"), List.of("y"),
            intAttr("transB", 1)).opset(8).output("y"))
        .startsWith("the model uses ONNX opset 8; netc imports opsets 9 to 21"));
    assertTrue(refusal(ModelBuilder.small()
        .node("Gemm", "g1", List.of("x", "fc1.weight", "fc1.bias"), List.of("h"),
            intAttr("transB", 1))
        .node("Relu", "r", List.of("h"), List.of("a"))
        .node("Add", "add", List.of("a", "fc1.bias"), List.of("y")).output("y"))
        .startsWith("node 'add' (Add), node 3 of 3: adds a constant to a tensor that is not a "
            + "dense or conv2d layer's output"));
  }

  @Test
  void inputWithAShapeNetcCannotTakeIsRefused() {
    assertTrue(refusal(new ModelBuilder().input("x", 1 << 20, 1 << 20)
        .node("Relu", "r", List.of("x"), List.of("y")).output("y"))
        .startsWith("the input 'x' has more than 65536 values per example"));
  }

  private static String refusal(ModelBuilder b) {
    return assertThrows(OnnxException.class, b::importIt).getMessage();
  }
}
