package dev.netc.onnx;

import dev.netc.onnx.proto.OnnxProto.GraphProto;
import dev.netc.onnx.proto.OnnxProto.ModelProto;
import dev.netc.onnx.proto.OnnxProto.NodeProto;
import dev.netc.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.netc.onnx.proto.OnnxProto.TensorProto;
import dev.netc.onnx.proto.OnnxProto.TensorShapeProto;
import dev.netc.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks an ONNX graph in order and understands it as a chain of netc layers, folding constant
 * shape computations on the way; anything else is an {@link OnnxException} naming the node.
 */
final class GraphImporter {
  /** The largest input netc networks take (the DSL's limit on {@code input N}). */
  static final int MAX_INPUT = 65536;

  /** The largest image input ({@code input CxHxW}): the DSL's limit on a layer's values, 2^22. */
  static final int MAX_IMAGE_INPUT = 1 << 22;

  private final ModelProto model;
  private final GraphProto graph;
  private final int opset;
  private final Map<String, Value> values = new HashMap<>();
  private final Map<Integer, NodeRef> consumers = new HashMap<>();
  private final Set<String> laterOutputs = new HashSet<>();
  private final Set<String> usedNames = new HashSet<>();
  private final Set<String> opsMapped = new LinkedHashSet<>();
  private final List<String> notes = new ArrayList<>();
  private final LayerBuilder layers = new LayerBuilder();
  private Value.Flow flow;
  private long fixedBatch = -1;
  private int nextFlowId;

  private GraphImporter(ModelProto model) throws OnnxException {
    this.model = model;
    this.graph = model.getGraph();
    this.opset = OnnxFiles.opset(model);
  }

  /** Imports a parsed model (see {@link OnnxFiles#parse}). */
  static ImportedModel run(ModelProto model) throws OnnxException {
    return new GraphImporter(model).run();
  }

  private ImportedModel run() throws OnnxException {
    int count = graph.getNodeCount();
    SupportedOps.checkAll(graph);
    for (TensorProto t : graph.getInitializerList()) {
      define(t.getName(), Value.of(t.getName(), OnnxTensors.decode(t)), "initializer");
    }
    boolean isDouble = defineInput();
    for (NodeProto n : graph.getNodeList()) {
      laterOutputs.addAll(n.getOutputList());
      usedNames.addAll(n.getInputList());
    }
    for (ValueInfoProto o : graph.getOutputList()) {
      usedNames.add(o.getName());
    }
    NodeOps ops = new NodeOps(this, layers, opset);
    for (int i = 0; i < count; i++) {
      NodeRef node = new NodeRef(graph.getNode(i), i + 1, count);
      opsMapped.add(node.op());
      ops.apply(node);
      laterOutputs.removeAll(node.proto().getOutputList());
    }
    checkOutput();
    List<ImportedModel.Layer> chain = checkLayers();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (StringStringEntryProto e : model.getMetadataPropsList()) {
      metadata.put(e.getKey(), e.getValue());
    }
    String producer = Text.oneLine((model.getProducerName() + " "
        + model.getProducerVersion()).trim());
    return new ImportedModel(layers.input(), isDouble, chain, opsMapped, notes, metadata,
        producer, model.getProducerName().equals(OnnxExport.PRODUCER) ? graph.getName() : "",
        opset);
  }

  /** Defines the one graph input that is not an initializer; returns true for double data. */
  private boolean defineInput() throws OnnxException {
    List<ValueInfoProto> inputs = new ArrayList<>();
    for (ValueInfoProto v : graph.getInputList()) {
      if (!values.containsKey(v.getName())) {
        inputs.add(v);
      }
    }
    if (inputs.size() != 1) {
      throw new OnnxException("the graph has " + inputs.size() + " inputs; netc networks take "
          + "exactly one");
    }
    ValueInfoProto in = inputs.get(0);
    String what = "the input " + Text.quote(in.getName());
    if (!in.getType().hasTensorType() || !in.getType().getTensorType().hasShape()) {
      throw new OnnxException(what + " has no tensor shape");
    }
    int type = in.getType().getTensorType().getElemType();
    if (type != TensorProto.DataType.FLOAT_VALUE && type != TensorProto.DataType.DOUBLE_VALUE) {
      throw new OnnxException(what + " has type " + OnnxTensors.typeName(type)
          + "; netc networks take float or double");
    }
    TensorShapeProto shape = in.getType().getTensorType().getShape();
    if (shape.getDimCount() < 2) {
      throw new OnnxException(what + " has rank " + shape.getDimCount()
          + "; netc needs a batch dimension first, then the values of one example");
    }
    long[] dims = new long[shape.getDimCount()];
    dims[0] = Value.BATCH;
    fixedBatch = shape.getDim(0).hasDimValue() ? shape.getDim(0).getDimValue() : -1;
    long features = 1;
    for (int i = 1; i < dims.length; i++) {
      TensorShapeProto.Dimension d = shape.getDim(i);
      if (!d.hasDimValue() || d.getDimValue() < 1) {
        throw new OnnxException(what + " has no fixed size in dimension " + i
            + "; netc needs every dimension but the batch to be known");
      }
      dims[i] = d.getDimValue();
      features = Math.min(MAX_IMAGE_INPUT + 1L,
          features * Math.min(dims[i], MAX_IMAGE_INPUT + 1L));
    }
    // Images [N, C, H, W] may be larger than vectors, as in the DSL.
    int limit = dims.length == 4 ? MAX_IMAGE_INPUT : MAX_INPUT;
    if (features > limit) {
      throw new OnnxException(what + " has more than " + limit + " values per example, "
          + "netc's limit");
    }
    define(in.getName(), newFlow(dims), "input");
    return type == TensorProto.DataType.DOUBLE_VALUE;
  }

  /** The layers, which netc networks end with a dense one. */
  private List<ImportedModel.Layer> checkLayers() throws OnnxException {
    if (layers.empty()) {
      throw new OnnxException("the graph has no Gemm, MatMul or Conv: netc networks are made of "
          + "dense and conv2d layers");
    }
    List<ImportedModel.Layer> chain = layers.layers();
    if (!(chain.get(chain.size() - 1) instanceof ImportedModel.Dense)) {
      throw new OnnxException("the graph ends with a " + NetSource.keyword(chain.get(
          chain.size() - 1)) + " layer; netc networks end with a dense layer (Gemm or MatMul)");
    }
    return chain;
  }

  private void checkOutput() throws OnnxException {
    if (graph.getOutputCount() != 1) {
      throw new OnnxException("the graph has " + graph.getOutputCount() + " outputs; netc "
          + "networks have exactly one");
    }
    String name = graph.getOutput(0).getName();
    if (values.get(name) != flow) {
      throw new OnnxException("the graph's output " + Text.quote(name) + " is not the last "
          + "tensor computed from the input; netc networks are chains of layers");
    }
  }

  /**
   * The batch size the input declares when it is fixed (PyTorch's export without
   * {@code dynamic_axes} writes the example's batch size), else -1. netc treats it as any batch.
   */
  long fixedBatch() {
    return fixedBatch;
  }

  /** A new flowing tensor (the previous one may no longer be used). */
  Value.Flow newFlow(long[] shape) {
    flow = new Value.Flow(nextFlowId++, shape);
    return flow;
  }

  /** Records a note for the user about the mapping. */
  void note(String note) {
    if (!notes.contains(note)) {
      notes.add(note);
    }
  }

  /** Gives a node's output its value; names must be unique in the graph. */
  void define(String name, Value value, String what) throws OnnxException {
    if (name.isEmpty()) {
      return;
    }
    if (values.putIfAbsent(name, value) != null) {
      throw new OnnxException("the tensor name " + Text.quote(name) + " is defined twice (by an "
          + what + "); ONNX names are unique");
    }
  }

  /** Input {@code i} of {@code node}, or null when omitted; unknown names are errors. */
  Value input(NodeRef node, int i) throws OnnxException {
    String name = node.input(i);
    if (name.isEmpty()) {
      return null;
    }
    Value v = values.get(name);
    if (v == null) {
      throw node.fail(laterOutputs.contains(name)
          ? "uses " + Text.quote(name) + " before a later node computes it: the graph has a cycle"
              + " or is not in topological order"
          : "uses " + Text.quote(name) + ", which no node, initializer or input defines");
    }
    return v;
  }

  /** Input {@code i} as the flowing tensor, which only one node may consume. */
  Value.Flow flowInput(NodeRef node, int i) throws OnnxException {
    Value v = input(node, i);
    if (!(v instanceof Value.Flow f)) {
      throw node.fail("input " + (i + 1) + " is not computed from the network's input");
    }
    NodeRef first = consumers.putIfAbsent(f.id(), node);
    if (first != null || f != flow) {
      throw node.fail("uses a tensor that " + (first == null ? "a later layer replaced"
          : "node " + Text.quote(first.proto().getName()) + " also uses")
          + ": branches and skip connections are not supported yet");
    }
    return f;
  }

  /** Input {@code i} as a float constant (an initializer or a Constant's value). */
  Value.Floats constInput(NodeRef node, int i, String role) throws OnnxException {
    Value v = input(node, i);
    if (!(v instanceof Value.Floats f)) {
      throw node.fail("its " + role + " (input " + (i + 1) + ") is not a float constant");
    }
    return f;
  }

  /** True when another node or the graph's output uses the tensor {@code name}. */
  boolean isUsed(String name) {
    return !name.isEmpty() && usedNames.contains(name);
  }
}
