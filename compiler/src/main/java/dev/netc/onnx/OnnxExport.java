package dev.netc.onnx;

import com.google.protobuf.ByteString;
import dev.netc.Version;
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

/**
 * {@code netc export}: a network and its parameters as an ONNX model, one Gemm (transB = 1, the
 * weights in PyTorch's [out, in] layout) and one activation node per layer, input {@code input}
 * and output {@code output} of shape [batch, size] with a symbolic batch dimension.
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
    GraphProto.Builder g = GraphProto.newBuilder().setName(net.name())
        .addInput(valueInfo("input", type, net.inputSize()));
    for (TensorSpec spec : net.parameters()) {
      g.addInitializer(tensor(spec, params, net.isDouble()));
    }
    String previous = "input";
    for (int i = 0; i < net.layers().size(); i++) {
      IrView.DenseView l = net.layers().get(i);
      boolean last = i == net.layers().size() - 1;
      String gemmOut = last && l.activation().isEmpty() ? "output" : "/" + l.name() + "/Gemm";
      g.addNode(NodeProto.newBuilder().setName("/" + l.name() + "/Gemm").setOpType("Gemm")
          .addInput(previous).addInput(l.name() + ".weight").addInput(l.name() + ".bias")
          .addOutput(gemmOut)
          .addAttribute(floatAttr("alpha", 1)).addAttribute(floatAttr("beta", 1))
          .addAttribute(intAttr("transB", 1)));
      previous = gemmOut;
      if (l.activation().isPresent()) {
        String op = l.activation().get();
        String out = last ? "output" : "/" + l.name() + "/" + op;
        NodeProto.Builder node = NodeProto.newBuilder().setName("/" + l.name() + "/" + op)
            .setOpType(op).addInput(previous).addOutput(out);
        if (op.equals("LeakyRelu") || op.equals("Elu")) {
          node.addAttribute(floatAttr("alpha", l.alpha()));
        } else if (op.equals("Softmax")) {
          node.addAttribute(intAttr("axis", 1));
        }
        g.addNode(node);
        previous = out;
      }
    }
    g.addOutput(valueInfo("output", type, net.layers().get(net.layers().size() - 1).outSize()));
    ModelProto.Builder m = ModelProto.newBuilder()
        .setIrVersion(irVersion(opset))
        .setProducerName(PRODUCER).setProducerVersion(Version.get())
        .setDocString("netc network " + net.name() + " from " + net.sourceFile())
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(g);
    net.loss().ifPresent(loss -> m.addMetadataProps(entry(LOSS_KEY, loss)));
    net.optimizer().ifPresent(o -> m.addMetadataProps(entry(OPTIMIZER_KEY, o)));
    return m.build().toByteArray();
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

  private static ValueInfoProto valueInfo(String name, int type, int size) {
    TensorShapeProto shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(size))
        .build();
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

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
