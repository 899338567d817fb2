package dev.netc.onnx;

import static dev.netc.onnx.ModelBuilder.intAttr;
import static dev.netc.onnx.ModelBuilder.intsAttr;
import static dev.netc.onnx.ModelBuilder.stringAttr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.onnx.proto.OnnxProto.AttributeProto;
import dev.netc.onnx.proto.OnnxProto.TensorProto;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Convolution and pooling graphs built by hand: what netc maps, and each refusal's message. */
class HandBuiltCnnTest {

  /** x → Conv(c, attributes) → Relu → Flatten → Gemm(fc): a 3x3 output when unpadded. */
  private static ModelBuilder conv(int fcInputs, AttributeProto... attributes) {
    return flattenAndDense(ModelBuilder.image(fcInputs)
        .node("Conv", "c", List.of("x", "c.weight", "c.bias"), List.of("h"), attributes)
        .node("Relu", "r", List.of("h"), List.of("a")), "a");
  }

  /** x → Conv(c) → then {@code op} with {@code attributes} → Flatten → Gemm(fc). */
  private static ModelBuilder pooled(String op, int fcInputs, AttributeProto... attributes) {
    return flattenAndDense(ModelBuilder.image(fcInputs)
        .node("Conv", "c", List.of("x", "c.weight", "c.bias"), List.of("h"))
        .node(op, "p", List.of("h"), List.of("a"), attributes), "a");
  }

  /** Ends a graph at {@code from}: Flatten, then Gemm(fc) to the output y. */
  private static ModelBuilder flattenAndDense(ModelBuilder b, String from) {
    return b.node("Flatten", "f", List.of(from), List.of("flat"))
        .node("Gemm", "g", List.of("flat", "fc.weight", "fc.bias"), List.of("y"),
            intAttr("transB", 1))
        .output("y");
  }

  @Test
  void aConvolutionComputesWhatItShould() throws OnnxException {
    OnnxImport.Result r = conv(18, stringAttr("auto_pad", "VALID")).importIt();
    assertTrue(r.netSource().contains("  input 1x5x5\n  conv2d 2 3x3 relu as c\n  flatten\n"
        + "  dense 1 identity as fc\n"), r.netSource());
    // Ones: each of the 9 outputs of filter 0 is 9 + 0.5, of filter 1 9 - 0.5; fc sums them.
    double[] x = new double[25];
    java.util.Arrays.fill(x, 1);
    assertArrayEquals(new double[] {9 * 9.5 + 9 * 8.5},
        Fixtures.predict(r.network(), r.weights(), x, 1), 1e-4);
    assertArrayEquals(new double[] {9 * 9.5 + 9 * 8.5},
        Fixtures.interpret(r.network(), r.weights(), x, 1), 1e-9);
  }

  @Test
  void paddingStrideAndSameAreNetcs() throws OnnxException {
    assertTrue(conv(2 * 9, intsAttr("pads", 1, 1, 1, 1), intsAttr("strides", 2, 2),
        intsAttr("kernel_shape", 3, 3), intsAttr("dilations", 1, 1)).importIt().netSource()
        .contains("  conv2d 2 3x3 (stride = 2, padding = 1) relu as c\n"));
    assertTrue(conv(2 * 25, intsAttr("pads", 1, 1, 1, 1)).importIt().netSource()
        .contains("  conv2d 2 3x3 (padding = 1) relu as c\n"));
  }

  @Test
  void imageInputsMayBeLargerThanVectorInputs() throws OnnxException {
    // 3x224x224 = 150528 values, over the 65536 of a vector input.
    OnnxImport.Result r = flattenAndDense(new ModelBuilder().input("x", 3, 224, 224)
        .init("c.weight", new long[] {1, 3, 7, 7}, new float[3 * 49])
        .init("fc.weight", new long[] {1, 1}, 1).init("fc.bias", new long[] {1}, 0)
        .node("Conv", "c", List.of("x", "c.weight"), List.of("h"), intsAttr("strides", 2, 2),
            intsAttr("pads", 3, 3, 3, 3))
        .node("GlobalAveragePool", "p", List.of("h"), List.of("a")), "a").importIt();
    assertTrue(r.netSource().contains("  input 3x224x224\n  conv2d 1 7x7 (stride = 2, padding = 3)"
        + " identity as c\n  avgpool 112x112\n"), r.netSource());
  }

  @Test
  void aFlatInputReshapedToImagesIsAnImageInput() throws OnnxException {
    ModelBuilder b = new ModelBuilder().input("x", 25);
    ModelBuilder image = ModelBuilder.image(18);
    b.graph.addAllInitializer(image.graph.getInitializerList());
    b.graph.addInitializer(ModelBuilder.tensor("shape", 4)
        .setDataType(TensorProto.DataType.INT64_VALUE)
        .addInt64Data(-1).addInt64Data(1).addInt64Data(5).addInt64Data(5));
    OnnxImport.Result r = flattenAndDense(b
        .node("Reshape", "v", List.of("x", "shape"), List.of("img"))
        .node("Conv", "c", List.of("img", "c.weight", "c.bias"), List.of("h")), "h").importIt();
    assertTrue(r.netSource().contains("  input 1x5x5\n  conv2d 2 3x3 identity as c\n"),
        r.netSource());
  }

  @Test
  void convolutionRefusals() {
    assertEquals("node 'c' (Conv), node 1 of 4: pads asymmetrically (pads = [0, 0, 1, 1]: top, "
        + "left, bottom, right); netc's conv2d pads both sides of an axis alike",
        refusal(conv(18, intsAttr("pads", 0, 0, 1, 1))));
    assertEquals("node 'c' (Conv), node 1 of 4: dilates its window (dilations = [2, 2]); netc "
        + "supports dilation 1 only", refusal(conv(18, intsAttr("dilations", 2, 2))));
    assertEquals("node 'c' (Conv), node 1 of 4: pads automatically (auto_pad = SAME_UPPER); "
        + "netc imports explicit pads (auto_pad NOTSET) or VALID",
        refusal(conv(50, stringAttr("auto_pad", "SAME_UPPER"))));
    assertEquals("node 'c' (Conv), node 1 of 4: strides rows and columns differently (strides "
        + "= [2, 1]); netc's conv2d takes one stride for both",
        refusal(conv(18, intsAttr("strides", 2, 1))));
    assertEquals("node 'c' (Conv), node 1 of 4: pads rows and columns differently (pads = [1, "
        + "0, 1, 0]); netc's conv2d pads both alike, or as 'same' (stride 1, odd kernel sizes, "
        + "(K - 1) / 2 on each side)", refusal(conv(18, intsAttr("pads", 1, 0, 1, 0))));
    assertEquals("node 'c' (Conv), node 1 of 4: is a grouped convolution (group = 2); netc's "
        + "conv2d supports group 1 only", refusal(conv(18, intAttr("group", 2))));
    assertEquals("node 'c' (Conv), node 1 of 4: its kernel_shape [5, 5] is not its weight's "
        + "[3, 3]", refusal(conv(18, intsAttr("kernel_shape", 5, 5))));
    assertEquals("node 'c' (Conv), node 1 of 1: its input has shape [N, 25]; netc's "
        + "convolutions and pooling take 2-D images [N, C, H, W]", refusal(
            new ModelBuilder().input("x", 25).init("c.weight", new long[] {1, 1, 1, 1}, 1)
                .node("Conv", "c", List.of("x", "c.weight"), List.of("y")).output("y")));
    assertEquals("the graph ends with a conv2d layer; netc networks end with a dense layer "
        + "(Gemm or MatMul)", refusal(ModelBuilder.image(1)
            .node("Conv", "c", List.of("x", "c.weight", "c.bias"), List.of("y")).output("y")));
  }

  @Test
  void poolingWithoutPaddingAndRoundingDown() throws OnnxException {
    assertTrue(pooled("MaxPool", 2, intsAttr("kernel_shape", 3, 3), intAttr("ceil_mode", 1))
        .importIt().netSource().contains("  conv2d 2 3x3 identity as c\n  maxpool 3x3 (stride = 1)"
            + "\n"));
    assertTrue(pooled("AveragePool", 2 * 4, intsAttr("kernel_shape", 2, 2),
        intAttr("count_include_pad", 1), intsAttr("pads", 0, 0, 0, 0)).importIt().netSource()
        .contains("  avgpool 2x2 (stride = 1)\n"));
    assertTrue(pooled("GlobalMaxPool", 2).importIt().netSource().contains("  maxpool 3x3\n"));
    assertTrue(padded(0, 0, 0, 0, 0, 0, 0, 0).importIt().netSource()
        .contains("  conv2d 2 3x3 identity as c\n  flatten\n"));
    assertEquals("node 'p' (MaxPool), node 2 of 4: its window (kernel 4x4, stride 4) does not "
        + "fit its input 2x3x3: the output would be empty", refusal(pooled("MaxPool", 2,
            intsAttr("kernel_shape", 4, 4), intsAttr("strides", 4, 4))));
    assertEquals("node 'p' (MaxPool), node 2 of 4: pads its input (pads = [1, 1, 1, 1]); netc's "
        + "maxpool does not pad", refusal(pooled("MaxPool", 8, intsAttr("kernel_shape", 2, 2),
            intsAttr("strides", 2, 2), intsAttr("pads", 1, 1, 1, 1))));
    assertEquals("node 'p' (MaxPool), node 2 of 4: rounds its output size up (ceil_mode = 1), "
        + "which on its 2x3x3 input adds a partial window; netc's pooling rounds down (PyTorch's "
        + "default, ceil_mode=False)", refusal(pooled("MaxPool", 8,
            intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2), intAttr("ceil_mode", 1))));
    assertEquals("node 'p' (AveragePool), node 2 of 4: strides rows and columns differently "
        + "(strides = [1, 2]); netc's pooling takes one stride for both, or the kernel size "
        + "along each axis", refusal(pooled("AveragePool", 4, intsAttr("kernel_shape", 2, 2),
            intsAttr("strides", 1, 2))));
    assertEquals("node 'p' (Pad), node 2 of 4: pads its input (pads = [0, 0, 1, 1, 0, 0, 1, 1]);"
        + " netc folds only Pad nodes that add nothing (pad inside the Conv instead)",
        refusal(padded(0, 0, 1, 1, 0, 0, 1, 1)));
  }

  private static ModelBuilder padded(long... pads) {
    ModelBuilder b = pooled("Pad", 18, new AttributeProto[0]);
    TensorProto.Builder t = ModelBuilder.tensor("pads", pads.length)
        .setDataType(TensorProto.DataType.INT64_VALUE);
    for (long p : pads) {
      t.addInt64Data(p);
    }
    b.graph.addInitializer(t);
    b.graph.setNode(1, b.graph.getNode(1).toBuilder().addInput("pads").build());
    return b;
  }

  @Test
  void activationsAfterPooling() throws OnnxException {
    // relu(max_pool(conv)) = max_pool(relu(conv)): the activation goes to the convolution.
    OnnxImport.Result r = flattenAndDense(ModelBuilder.image(2)
        .node("Conv", "c", List.of("x", "c.weight", "c.bias"), List.of("h"))
        .node("MaxPool", "p", List.of("h"), List.of("m"), intsAttr("kernel_shape", 3, 3))
        .node("Relu", "r", List.of("m"), List.of("a")), "a").importIt();
    assertTrue(r.netSource().contains("  conv2d 2 3x3 relu as c\n  maxpool 3x3 (stride = 1)\n"),
        r.netSource());
    // relu(flatten(conv)) = flatten(relu(conv)) likewise.
    assertTrue(ModelBuilder.image(18)
        .node("Conv", "c", List.of("x", "c.weight", "c.bias"), List.of("h"))
        .node("Flatten", "f", List.of("h"), List.of("flat"))
        .node("Sigmoid", "s", List.of("flat"), List.of("a"))
        .node("Gemm", "g", List.of("a", "fc.weight", "fc.bias"), List.of("y"),
            intAttr("transB", 1))
        .output("y").importIt().netSource().contains("  conv2d 2 3x3 sigmoid as c\n  flatten\n"));
    assertEquals("node 'r' (Relu), node 3 of 5: applies Relu to the output of average pooling: "
        + "netc applies activations only to a dense or conv2d layer's output",
        refusal(flattenAndDense(ModelBuilder.image(2)
            .node("Conv", "c", List.of("x", "c.weight", "c.bias"), List.of("h"))
            .node("AveragePool", "p", List.of("h"), List.of("m"), intsAttr("kernel_shape", 3, 3))
            .node("Relu", "r", List.of("m"), List.of("a")), "a")));
  }

  private static String refusal(ModelBuilder b) {
    return assertThrows(OnnxException.class, b::importIt).getMessage();
  }
}
