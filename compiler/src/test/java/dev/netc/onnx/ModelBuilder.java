package dev.netc.onnx;

import com.google.protobuf.ByteString;
import dev.netc.onnx.proto.OnnxProto.AttributeProto;
import dev.netc.onnx.proto.OnnxProto.GraphProto;
import dev.netc.onnx.proto.OnnxProto.ModelProto;
import dev.netc.onnx.proto.OnnxProto.NodeProto;
import dev.netc.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.netc.onnx.proto.OnnxProto.TensorProto;
import dev.netc.onnx.proto.OnnxProto.TensorShapeProto;
import dev.netc.onnx.proto.OnnxProto.TypeProto;
import dev.netc.onnx.proto.OnnxProto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Hand-built ONNX models for the cases PyTorch does not export (tests only). */
final class ModelBuilder {
  final GraphProto.Builder graph = GraphProto.newBuilder().setName("g");
  private int opset = 13;

  ModelBuilder opset(int version) {
    opset = version;
    return this;
  }

  /** A float input of shape [batch, dims...]. */
  ModelBuilder input(String name, long... dims) {
    return input(name, TensorShapeProto.Dimension.newBuilder().setDimParam("batch"), dims);
  }

  /** A float input of shape [batch, dims...] whose batch size is fixed. */
  ModelBuilder inputWithBatch(String name, long batch, long... dims) {
    return input(name, TensorShapeProto.Dimension.newBuilder().setDimValue(batch), dims);
  }

  private ModelBuilder input(String name, TensorShapeProto.Dimension.Builder batch,
      long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(batch);
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    graph.addInput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder()
            .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
    return this;
  }

  /** A float initializer with raw little-endian data. */
  ModelBuilder init(String name, long[] dims, float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return init(tensor(name, dims).setRawData(ByteString.copyFrom(b.array())));
  }

  /** An initializer as given. */
  ModelBuilder init(TensorProto.Builder t) {
    graph.addInitializer(t);
    return this;
  }

  static TensorProto.Builder tensor(String name, long... dims) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name)
        .setDataType(TensorProto.DataType.FLOAT_VALUE);
    for (long d : dims) {
      t.addDims(d);
    }
    return t;
  }

  /** A node of the default domain. */
  ModelBuilder node(String op, String name, List<String> inputs, List<String> outputs,
      AttributeProto... attributes) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name)
        .addAllInput(inputs).addAllOutput(outputs);
    for (AttributeProto a : attributes) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return this;
  }

  ModelBuilder output(String name) {
    graph.addOutput(ValueInfoProto.newBuilder().setName(name));
    return this;
  }

  static AttributeProto intAttr(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT)
        .setI(value).build();
  }

  static AttributeProto intsAttr(String name, long... values) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  static AttributeProto stringAttr(String name, String value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(value)).build();
  }

  static AttributeProto floatAttr(String name, float value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
        .setF(value).build();
  }

  ModelProto model() {
    return ModelProto.newBuilder().setIrVersion(7).setProducerName("test")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(graph).build();
  }

  byte[] bytes() {
    return model().toByteArray();
  }

  /** x [N, 2] → Gemm(fc1: 3×2) → Relu → Gemm(fc2: 1×3) → y, the base of most cases. */
  static ModelBuilder small() {
    return new ModelBuilder().input("x", 2)
        .init("fc1.weight", new long[] {3, 2}, 1, 2, 3, 4, 5, 6)
        .init("fc1.bias", new long[] {3}, 0.5f, -0.5f, 1)
        .init("fc2.weight", new long[] {1, 3}, 1, -1, 2)
        .init("fc2.bias", new long[] {1}, 0.25f);
  }

  /**
   * x [N, 1, 5, 5] and the tensors of a convolution {@code c} (2 filters 3x3 of ones, bias 0.5
   * and -0.5) and of a dense layer {@code fc} of 1 output on {@code fcInputs} values (ones).
   */
  static ModelBuilder image(int fcInputs) {
    float[] ones = new float[18];
    java.util.Arrays.fill(ones, 1);
    float[] fc = new float[fcInputs];
    java.util.Arrays.fill(fc, 1);
    return new ModelBuilder().input("x", 1, 5, 5)
        .init("c.weight", new long[] {2, 1, 3, 3}, ones)
        .init("c.bias", new long[] {2}, 0.5f, -0.5f)
        .init("fc.weight", new long[] {1, fcInputs}, fc)
        .init("fc.bias", new long[] {1}, 0);
  }

  /** Imports the model with default options. */
  OnnxImport.Result importIt() throws OnnxException {
    return OnnxImport.run(bytes(), "hand.onnx", "hand.net", OnnxImport.Options.defaults());
  }
}
