package dev.netc.onnx;

import dev.netc.onnx.proto.OnnxProto.GraphProto;
import dev.netc.onnx.proto.OnnxProto.NodeProto;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The ONNX operators netc imports, and the message for a graph that uses others. */
final class SupportedOps {
  /** Every op type the importer maps, in the order the message lists them. */
  static final List<String> SUPPORTED = List.of(
      "Gemm", "MatMul", "Add", "Conv", "BatchNormalization", "Relu", "LeakyRelu", "Elu",
      "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax", "MaxPool", "AveragePool",
      "GlobalMaxPool", "GlobalAveragePool", "Pad", "Flatten", "Reshape", "Shape", "Gather",
      "Unsqueeze", "Concat", "Constant", "Cast", "Identity", "Dropout");

  /** Ops reported before the helper ops around them (an LSTM rather than its Transpose). */
  private static final Set<String> LAYERS = Set.of("LSTM", "GRU", "RNN", "Attention",
      "MultiHeadAttention", "LayerNormalization", "ConvTranspose", "LpPool",
      "InstanceNormalization", "GroupNormalization");

  private SupportedOps() {}

  /**
   * Fails on the first node whose op netc does not import, naming the other unsupported op types
   * too, so that one run tells the whole story.
   */
  static void checkAll(GraphProto graph) throws OnnxException {
    int count = graph.getNodeCount();
    NodeRef first = null;
    Set<String> others = new LinkedHashSet<>();
    for (int i = 0; i < count; i++) {
      NodeProto n = graph.getNode(i);
      if (isSupported(n)) {
        continue;
      }
      if (first == null || (LAYERS.contains(n.getOpType())
          && !LAYERS.contains(first.proto().getOpType()))) {
        first = new NodeRef(n, i + 1, count);
      }
      if (others.size() < 10) {
        others.add(Text.oneLine(n.getOpType()));
      }
    }
    if (first == null) {
      return;
    }
    others.remove(first.op());
    String also = others.isEmpty() ? "" : " (the graph also uses " + String.join(", ", others)
        + ")";
    String domain = isDefaultDomain(first.proto()) ? ""
        : " of the custom domain " + Text.quote(first.proto().getDomain());
    throw first.fail("netc does not import this op" + domain + also + "; it imports "
        + String.join(", ", SUPPORTED));
  }

  private static boolean isSupported(NodeProto n) {
    return isDefaultDomain(n) && SUPPORTED.contains(n.getOpType());
  }

  private static boolean isDefaultDomain(NodeProto n) {
    return n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
  }
}
