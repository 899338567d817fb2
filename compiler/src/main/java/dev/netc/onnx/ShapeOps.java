package dev.netc.onnx;

import dev.netc.onnx.proto.OnnxProto.AttributeProto;
import java.util.Arrays;

/**
 * Constant folding of the shape computations exporters write around a flatten (PyTorch's
 * {@code x.view(x.size(0), -1)} becomes Shape, Gather, Unsqueeze, Concat and Reshape), with the
 * batch size kept symbolic, and the flattens themselves: of the input, they only set the
 * network's input size; of a convolution's or pooling's images, they are {@code flatten} layers.
 */
final class ShapeOps {
  private final GraphImporter graph;
  private final LayerBuilder layers;
  private final int opset;

  ShapeOps(GraphImporter graph, LayerBuilder layers, int opset) {
    this.graph = graph;
    this.layers = layers;
    this.opset = opset;
  }

  /** Applies Constant, Shape, Gather, Unsqueeze, Concat, Cast, Flatten or Reshape. */
  void apply(NodeRef node) throws OnnxException {
    Value result = switch (node.proto().getOpType()) {
      case "Constant" -> constant(node);
      case "Shape" -> shape(node);
      case "Gather" -> gather(node);
      case "Unsqueeze" -> unsqueeze(node);
      case "Concat" -> concat(node);
      case "Cast" -> ints(node, 0);
      case "Flatten" -> flatten(node);
      case "Reshape" -> reshape(node);
      default -> throw new IllegalStateException("not a shape op: " + node.op());
    };
    graph.define(node.proto().getOutput(0), result, "node");
  }

  private Value constant(NodeRef node) throws OnnxException {
    AttributeProto value = node.attribute("value");
    if (value != null && value.hasT()) {
      return Value.of(node.proto().getOutput(0), OnnxTensors.decode(value.getT()));
    }
    AttributeProto ints = node.attribute("value_ints");
    if (ints != null) {
      return new Value.Ints(node.intsAttr("value_ints"), false);
    }
    AttributeProto one = node.attribute("value_int");
    if (one != null) {
      return new Value.Ints(new long[] {node.intAttr("value_int", 0)}, true);
    }
    throw node.fail("has no tensor or integer value; netc folds only those constants");
  }

  private Value shape(NodeRef node) throws OnnxException {
    Value v = graph.input(node, 0);
    long[] dims;
    if (v instanceof Value.Flow f) {
      dims = f.shape();
    } else if (v instanceof Value.Floats c) {
      dims = c.tensor().dims();
    } else if (v instanceof Value.Ints i) {
      dims = i.scalar() ? new long[0] : new long[] {i.values().length};
    } else {
      throw node.fail("has no input");
    }
    int start = (int) clampAxis(node.intAttr("start", 0), dims.length);
    int end = (int) clampAxis(node.intAttr("end", dims.length), dims.length);
    return new Value.Ints(Arrays.copyOfRange(dims, start, Math.max(start, end)), false);
  }

  private static long clampAxis(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    return Math.max(0, Math.min(rank, a));
  }

  private Value gather(NodeRef node) throws OnnxException {
    Value.Ints data = ints(node, 0);
    Value.Ints indices = ints(node, 1);
    if (node.intAttr("axis", 0) != 0 || data.scalar()) {
      throw node.fail("gathers from something other than a vector; netc folds only shape "
          + "vectors");
    }
    long[] out = new long[indices.values().length];
    for (int i = 0; i < out.length; i++) {
      long k = indices.values()[i];
      long at = k < 0 ? k + data.values().length : k;
      if (at < 0 || at >= data.values().length) {
        throw node.fail("index " + k + " is outside a vector of " + data.values().length);
      }
      out[i] = data.values()[(int) at];
    }
    return new Value.Ints(out, indices.scalar());
  }

  private Value unsqueeze(NodeRef node) throws OnnxException {
    Value.Ints x = ints(node, 0);
    long[] axes = opset >= 13 ? ints(node, 1).values() : node.intsAttr("axes");
    if (axes == null || axes.length != 1 || (axes[0] != 0 && axes[0] != -1) || !x.scalar()) {
      throw node.fail("netc folds Unsqueeze only of a scalar into a vector of one");
    }
    return new Value.Ints(x.values(), false);
  }

  private Value concat(NodeRef node) throws OnnxException {
    int n = node.proto().getInputCount();
    long[] out = new long[0];
    for (int i = 0; i < n; i++) {
      Value.Ints part = ints(node, i);
      if (part.scalar() || out.length + part.values().length > Value.MAX_SHAPE_VALUES) {
        throw node.fail("netc folds Concat only of short vectors (shapes)");
      }
      out = Arrays.copyOf(out, out.length + part.values().length);
      System.arraycopy(part.values(), 0, out, out.length - part.values().length,
          part.values().length);
    }
    return new Value.Ints(out, false);
  }

  private Value.Ints ints(NodeRef node, int i) throws OnnxException {
    Value v = graph.input(node, i);
    if (v instanceof Value.Ints ints) {
      return ints;
    }
    throw node.fail("input " + (i + 1) + " is not a constant integer vector; netc folds only "
        + "shape computations");
  }

  private Value flatten(NodeRef node) throws OnnxException {
    Value.Flow x = graph.flowInput(node, 0);
    long axis = node.intAttr("axis", 1);
    if (axis != 1 && axis != 1 - x.shape().length) {
      throw node.fail("flattens from axis " + axis + "; netc keeps the batch dimension and "
          + "flattens the rest (axis 1)");
    }
    return flat(node, x);
  }

  /** The flow flattened to [N, features]; a layer when it flattens a layer's images. */
  private Value flat(NodeRef node, Value.Flow x) throws OnnxException {
    if (x.isImage() && !layers.empty()) {
      layers.flatten(node, x.image());
    }
    return graph.newFlow(new long[] {x.shape()[0], x.features()});
  }

  private Value reshape(NodeRef node) throws OnnxException {
    Value.Flow x = graph.flowInput(node, 0);
    long[] target = ints(node, 1).values().clone();
    boolean allowZero = node.intAttr("allowzero", 0) != 0;
    for (int i = 0; i < target.length; i++) {
      if (target[i] == 0 && !allowZero && i < x.shape().length) {
        target[i] = x.shape()[i];
      }
    }
    long features = x.features();
    boolean batch = target.length == 2 && isBatch(target[0]);
    boolean flat = (batch && (target[1] == features || target[1] == -1))
        || (target.length == 2 && target[0] == -1 && target[1] == features);
    if (flat) {
      return flat(node, x);
    }
    if (layers.empty() && isImageOf(target, features)) {
      // x.view(-1, 1, 28, 28) of a flat input: the network's input is that image.
      return graph.newFlow(new long[] {x.shape()[0], target[1], target[2], target[3]});
    }
    throw node.fail("reshapes " + x.describe() + " to " + Value.describe(target) + "; netc "
        + "supports only flattening each example, [N, -1] (N the batch size), and making "
        + "images [N, C, H, W] of the input");
  }

  /** True when {@code target} is [N or -1, C, H, W] with C·H·W = {@code features}. */
  private boolean isImageOf(long[] target, long features) {
    if (target.length != 4 || !(target[0] == -1 || isBatch(target[0]))) {
      return false;
    }
    long size = 1;
    for (int i = 1; i < 4; i++) {
      if (target[i] < 1 || target[i] > features / size) {
        return false;
      }
      size *= target[i];
    }
    return size == features;
  }

  /**
   * True for the batch size: symbolic, or the fixed size an export without {@code dynamic_axes}
   * writes.
   */
  private boolean isBatch(long d) {
    return d == Value.BATCH || (graph.fixedBatch() > 0 && d == graph.fixedBatch());
  }
}
