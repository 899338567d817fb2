package dev.netc.onnx;

import com.google.protobuf.ByteString;
import dev.netc.Version;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import dev.netc.onnx.proto.OnnxProto.AttributeProto;
import dev.netc.onnx.proto.OnnxProto.GraphProto;
import dev.netc.onnx.proto.OnnxProto.ModelProto;
import dev.netc.onnx.proto.OnnxProto.NodeProto;
import dev.netc.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.netc.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.netc.onnx.proto.OnnxProto.TensorProto;
import dev.netc.onnx.proto.OnnxProto.TensorShapeProto;
import dev.netc.onnx.proto.OnnxProto.TypeProto;
import dev.netc.onnx.proto.OnnxProto.ValueInfoProto;
import dev.netc.runtime.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code netc export}: a network and its parameters as an ONNX model as {@code torch.onnx.export}
 * writes one: a Gemm (transB = 1, the weights in PyTorch's [out, in] layout) per dense layer, a
 * Conv ([out, in, KH, KW]) per conv2d, each followed by its activation node, MaxPool,
 * AveragePool and Flatten nodes; input {@code input} and output {@code output} with a symbolic
 * batch dimension.
 */
public final class OnnxExport {
  /** Metadata key of the network's loss, so that {@code netc import} restores it. */
  static final String LOSS_KEY = "netc.loss";

  /** Metadata key of the network's optimizer. */
  static final String OPTIMIZER_KEY = "netc.optimizer";

  /** The producer name netc writes; a model made by netc keeps its network name on import. */
  static final String PRODUCER = "netc";

  /** The opset written unless the user chooses another. */
  public static final int DEFAULT_OPSET = 17;

  private OnnxExport() {}

  /**
   * The model's bytes.
   *
   * @param params the flat parameters in the order of {@link IrView#parameters()}
   * @param opset the ONNX opset version, {@link OnnxFiles#MIN_OPSET} to {@link OnnxFiles#MAX_OPSET}
   */
  public static byte[] export(IrView net, double[] params, int opset) {
    if (opset < OnnxFiles.MIN_OPSET || opset > OnnxFiles.MAX_OPSET) {
      throw new IllegalArgumentException("opset " + opset + " is outside " + OnnxFiles.MIN_OPSET
          + " to " + OnnxFiles.MAX_OPSET);
    }
    int type = net.isDouble() ? TensorProto.DataType.DOUBLE_VALUE
        : TensorProto.DataType.FLOAT_VALUE;
    GraphProto.Builder graph = GraphProto.newBuilder().setName(net.name())
        .addInput(valueInfo("input", type, dims(net.input())));
    for (TensorSpec spec : net.parameters()) {
      graph.addInitializer(tensor(spec, params, net.isDouble()));
    }
    for (NodeProto.Builder node : nodes(net)) {
      graph.addNode(node);
    }
    IrView.LayerView last = net.layers().get(net.layers().size() - 1);
    graph.addOutput(valueInfo("output", type,
        new int[] {((IrView.DenseView) last).outSize()}));
    ModelProto.Builder m = ModelProto.newBuilder()
        .setIrVersion(irVersion(opset))
        .setProducerName(PRODUCER).setProducerVersion(Version.get())
        .setDocString("netc network " + net.name() + " from " + net.sourceFile())
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(graph);
    net.loss().ifPresent(loss -> m.addMetadataProps(entry(LOSS_KEY, loss)));
    net.optimizer().ifPresent(o -> m.addMetadataProps(entry(OPTIMIZER_KEY, o)));
    return m.build().toByteArray();
  }

  /** The nodes of the layers, in order; the last one writes {@code output}. */
  private static List<NodeProto.Builder> nodes(IrView net) {
    List<NodeProto.Builder> g = new ArrayList<>();
    String previous = "input";
    boolean image = net.input() instanceof Shape.Image;
    for (IrView.LayerView layer : net.layers()) {
      String name = "/" + layer.name() + "/";
      if (layer instanceof IrView.DenseView d) {
        if (image) {
          // A dense layer flattens an image implicitly; ONNX's Gemm needs [N, features].
          previous = flatten(g, name, previous);
          image = false;
        }
        previous = addNode(g, name + "Gemm", "Gemm", previous, layer.name() + ".weight",
            layer.name() + ".bias").addAttribute(floatAttr("alpha", 1))
            .addAttribute(floatAttr("beta", 1)).addAttribute(intAttr("transB", 1)).getOutput(0);
        previous = activation(g, name, d.activation(), previous);
      } else if (layer instanceof IrView.ConvView c) {
        NodeProto.Builder conv = addNode(g, name + "Conv", "Conv", previous,
            layer.name() + ".weight", layer.name() + ".bias");
        Window w = c.window();
        window(conv, w).addAttribute(ints("pads", w.padHeight(), w.padWidth(), w.padHeight(),
            w.padWidth())).addAttribute(ints("dilations", 1, 1)).addAttribute(intAttr("group", 1));
        previous = activation(g, name, c.activation(), conv.getOutput(0));
      } else if (layer instanceof IrView.PoolView p) {
        String op = p.max() ? "MaxPool" : "AveragePool";
        previous = window(addNode(g, name + op, op, previous), p.window())
            .addAttribute(ints("pads", 0, 0, 0, 0)).getOutput(0);
      } else {
        previous = flatten(g, name, previous);
        image = false;
      }
    }
    g.get(g.size() - 1).setOutput(0, "output");
    return g;
  }

  private static String flatten(List<NodeProto.Builder> g, String layer, String previous) {
    return addNode(g, layer + "Flatten", "Flatten", previous).addAttribute(intAttr("axis", 1))
        .getOutput(0);
  }

  /** The newest IR version that the runtimes of an opset's release read (onnx/docs/Versioning). */
  static int irVersion(int opset) {
    if (opset <= 9) {
      return 4;
    }
    if (opset <= 11) {
      return opset - 5;
    }
    if (opset <= 14) {
      return 7;
    }
    if (opset <= 18) {
      return 8;
    }
    return opset <= 20 ? 9 : 10;
  }

  /** A node reading {@code inputs} whose output is named after the node. */
  private static NodeProto.Builder addNode(List<NodeProto.Builder> g, String name, String op,
      String... inputs) {
    NodeProto.Builder node = NodeProto.newBuilder().setName(name).setOpType(op).addOutput(name);
    for (String input : inputs) {
      node.addInput(input);
    }
    g.add(node);
    return node;
  }

  /** Adds the activation node after a layer's Gemm or Conv; returns the layer's output. */
  private static String activation(List<NodeProto.Builder> g, String layer,
      Optional<IrView.ActivationView> activation, String previous) {
    if (activation.isEmpty()) {
      return previous;
    }
    String op = activation.get().op();
    NodeProto.Builder node = addNode(g, layer + op, op, previous);
    if (op.equals("LeakyRelu") || op.equals("Elu")) {
      node.addAttribute(floatAttr("alpha", activation.get().alpha()));
    } else if (op.equals("Softmax")) {
      node.addAttribute(intAttr("axis", 1));
    }
    return node.getOutput(0);
  }

  /** The kernel and strides of a Conv or pooling node. */
  private static NodeProto.Builder window(NodeProto.Builder node, Window w) {
    return node.addAttribute(ints("kernel_shape", w.kernelHeight(), w.kernelWidth()))
        .addAttribute(ints("strides", w.strideHeight(), w.strideWidth()));
  }

  /** One example's dimensions: [N] or [C, H, W]. */
  private static int[] dims(Shape shape) {
    return shape instanceof Shape.Image i ? new int[] {i.channels(), i.height(), i.width()}
        : new int[] {shape.size()};
  }

  private static ValueInfoProto valueInfo(String name, int type, int[] dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
    for (int d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name)
        .setType(TypeProto.newBuilder().setTensorType(
            TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape)))
        .build();
  }

  private static TensorProto tensor(TensorSpec spec, double[] params, boolean isDouble) {
    int n = spec.size();
    ByteBuffer b = ByteBuffer.allocate(n * (isDouble ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      double v = params[spec.offset() + i];
      if (isDouble) {
        b.putDouble(v);
      } else {
        b.putFloat((float) v);
      }
    }
    TensorProto.Builder t = TensorProto.newBuilder().setName(spec.name())
        .setDataType(isDouble ? TensorProto.DataType.DOUBLE_VALUE
            : TensorProto.DataType.FLOAT_VALUE)
        .setRawData(ByteString.copyFrom(b.array()));
    for (int d : spec.shape()) {
      t.addDims(d);
    }
    return t.build();
  }

  private static AttributeProto floatAttr(String name, double value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
        .setF((float) value).build();
  }

  private static AttributeProto intAttr(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT)
        .setI(value).build();
  }

  private static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
