package dev.netc.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import dev.netc.ir.Network;
import dev.netc.onnx.IrView;
import dev.netc.onnx.OnnxException;
import dev.netc.onnx.OnnxExport;
import dev.netc.onnx.OnnxImport;
import dev.netc.onnx.proto.OnnxProto.AttributeProto;
import dev.netc.onnx.proto.OnnxProto.GraphProto;
import dev.netc.onnx.proto.OnnxProto.ModelProto;
import dev.netc.onnx.proto.OnnxProto.NodeProto;
import dev.netc.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.netc.onnx.proto.OnnxProto.TensorProto;
import dev.netc.onnx.proto.OnnxProto.TensorShapeProto;
import dev.netc.onnx.proto.OnnxProto.TypeProto;
import dev.netc.onnx.proto.OnnxProto.ValueInfoProto;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.io.SafetensorsException;
import dev.netc.runtime.io.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * The ONNX importer on arbitrary bytes and on fuzzer-built graphs: it returns a network whose
 * weights match its layout, and whose export imports back to the same text and weights, or throws
 * {@link OnnxException} with a one-line message; never another exception, never an
 * OutOfMemoryError under {@code compiler/fuzz.sh}'s 1 GiB heap.
 */
class OnnxImportFuzzTest {
  private static final String[] OPS = {"Gemm", "MatMul", "Add", "BatchNormalization", "Relu",
      "LeakyRelu", "Elu", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax", "Flatten",
      "Reshape", "Shape", "Gather", "Unsqueeze", "Concat", "Constant", "Cast", "Identity",
      "Dropout", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Pad",
      "Sub", "LSTM"};

  /** Any bytes: a mutated fixture, a truncated one, garbage. */
  @FuzzTest
  void importer(byte[] data) {
    check(data);
  }

  /** A graph of supported (and a few unsupported) ops wired by the fuzzer. */
  @FuzzTest
  void graphs(FuzzedDataProvider data) {
    check(graph(data).toByteArray());
  }

  private static void check(byte[] bytes) {
    OnnxImport.Result r;
    try {
      r = OnnxImport.run(bytes, "fuzz.onnx", "fuzz.net", OnnxImport.Options.defaults());
    } catch (OnnxException e) {
      String m = e.getMessage();
      if (m == null || m.isEmpty() || m.lines().count() != 1) {
        throw new AssertionError("not a one-line message: " + m);
      }
      return;
    }
    Network net = r.network();
    double[] params;
    try {
      params = Weights.doubles(r.weights(), net.parameterLayout(), "imported");
    } catch (SafetensorsException e) {
      throw new AssertionError("weights do not match the layout: " + e.getMessage());
    }
    for (TensorSpec spec : net.parameterLayout()) {
      if (!r.weights().get(spec.name()).hasShape(spec.shape())) {
        throw new AssertionError("wrong shape of " + spec.name());
      }
    }
    byte[] again = OnnxExport.export(IrView.of(net), params, OnnxExport.DEFAULT_OPSET);
    OnnxImport.Result back;
    try {
      back = OnnxImport.run(again, "again.onnx", "fuzz.net", OnnxImport.Options.defaults());
    } catch (OnnxException e) {
      throw new AssertionError("netc cannot import its own export: " + e.getMessage());
    }
    if (!body(back.netSource()).equals(body(r.netSource()))
        || !back.weights().equals(r.weights())) {
      throw new AssertionError("round trip differs:\n" + r.netSource() + "\n" + back.netSource());
    }
  }

  private static String body(String net) {
    StringBuilder sb = new StringBuilder();
    net.lines().filter(l -> !l.startsWith("//") && !l.startsWith("network"))
        .forEach(l -> sb.append(l).append('\n'));
    return sb.toString();
  }

  private static ModelProto graph(FuzzedDataProvider data) {
    GraphProto.Builder g = GraphProto.newBuilder().setName("g");
    List<String> names = new ArrayList<>(List.of("x"));
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
    int rank = data.consumeInt(0, 4);
    for (int i = 0; i < rank; i++) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(data.consumeLong(-1, 6)));
    }
    g.addInput(ValueInfoProto.newBuilder().setName("x").setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setShape(shape).setElemType(
            data.pickValue(new int[] {1, 11, 7})))));
    int inits = data.consumeInt(0, 5);
    for (int i = 0; i < inits; i++) {
      g.addInitializer(tensor("c" + i, data));
      names.add("c" + i);
    }
    int nodes = data.consumeInt(1, 8);
    for (int i = 0; i < nodes; i++) {
      NodeProto.Builder n = NodeProto.newBuilder().setName("n" + i)
          .setOpType(data.pickValue(OPS)).addOutput("v" + i);
      int inputs = data.consumeInt(0, 3);
      for (int k = 0; k < inputs; k++) {
        n.addInput(data.consumeBoolean() ? names.get(names.size() - 1) : data.pickValue(names));
      }
      if (data.consumeBoolean()) {
        n.addAttribute(AttributeProto.newBuilder()
            .setName(data.pickValue(new String[] {"alpha", "axis", "transB", "epsilon", "value",
                "kernel_shape", "strides", "pads", "group", "ceil_mode"}))
            .setType(AttributeProto.AttributeType.forNumber(data.consumeInt(1, 8)))
            .setI(data.consumeLong(-3, 3)).setF(data.consumeFloat())
            .addInts(data.consumeLong(-1, 4)).addInts(data.consumeLong(-1, 4))
            .setT(tensor("t" + i, data)));
      }
      g.addNode(n);
      names.add("v" + i);
    }
    g.addOutput(ValueInfoProto.newBuilder().setName(names.get(names.size() - 1)));
    return ModelProto.newBuilder().setIrVersion(8).setGraph(g)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(data.consumeInt(8, 22)))
        .build();
  }

  private static TensorProto tensor(String name, FuzzedDataProvider data) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name)
        .setDataType(data.pickValue(new int[] {1, 11, 7, 6, 9, 10}));
    int rank = data.consumeInt(0, 4);
    int count = 1;
    for (int i = 0; i < rank; i++) {
      int d = data.consumeInt(0, 6);
      t.addDims(data.consumeBoolean() ? d : data.consumeLong());
      count *= d;
    }
    int width = t.getDataType() == 11 || t.getDataType() == 7 ? 8 : 4;
    int bytes = data.consumeBoolean() ? count * width : data.consumeInt(0, 64);
    t.setRawData(ByteString.copyFrom(data.consumeBytes(bytes)));
    return t.build();
  }
}
