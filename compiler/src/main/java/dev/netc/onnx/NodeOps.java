package dev.netc.onnx;

/** What each supported op does to the values of the graph while it is imported. */
final class NodeOps {
  private final GraphImporter graph;
  private final LayerBuilder layers;
  private final int opset;
  private final ShapeOps shapes;
  private final ConvOps convs;

  NodeOps(GraphImporter graph, LayerBuilder layers, int opset) {
    this.graph = graph;
    this.layers = layers;
    this.opset = opset;
    this.shapes = new ShapeOps(graph, layers, opset);
    this.convs = new ConvOps(graph, layers, opset);
  }

  /** Applies one node; its op is one of {@link SupportedOps#SUPPORTED}. */
  void apply(NodeRef node) throws OnnxException {
    if (node.proto().getOutputCount() == 0 || node.proto().getOutput(0).isEmpty()) {
      throw node.fail("has no output");
    }
    switch (node.proto().getOpType()) {
      case "Gemm" -> gemm(node);
      case "MatMul" -> matMul(node);
      case "Add" -> add(node);
      case "BatchNormalization" -> batchNorm(node);
      case "Relu" -> activation(node, "relu");
      case "LeakyRelu" -> activation(node, LayerBuilder.withAlpha("leaky_relu",
          node.floatAttr("alpha", 0.01)));
      case "Elu" -> activation(node, LayerBuilder.withAlpha("elu", node.floatAttr("alpha", 1.0)));
      case "Sigmoid" -> activation(node, "sigmoid");
      case "Tanh" -> activation(node, "tanh");
      case "Softplus" -> activation(node, "softplus");
      case "Softmax", "LogSoftmax" -> softmax(node);
      case "Identity", "Dropout" -> passThrough(node);
      case "Conv", "MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool", "Pad" ->
          convs.apply(node);
      default -> shapes.apply(node);
    }
  }

  private void gemm(NodeRef node) throws OnnxException {
    if (node.intAttr("transA", 0) != 0) {
      throw node.fail("transposes its input (transA = 1); netc layers take one example per row");
    }
    Value.Flow x = matrixInput(node);
    Value.Floats b = graph.constInput(node, 1, "weight");
    Value.Floats c = node.input(2).isEmpty() ? null : graph.constInput(node, 2, "bias");
    int out = layers.dense(node, (int) x.features(), b, node.intAttr("transB", 0) != 0, c,
        node.floatAttr("alpha", 1.0), node.floatAttr("beta", 1.0));
    output(node, x.shape()[0], out);
  }

  private void matMul(NodeRef node) throws OnnxException {
    if (graph.input(node, 1) instanceof Value.Flow) {
      throw node.fail("multiplies two computed tensors; netc layers multiply by a weight");
    }
    Value.Flow x = matrixInput(node);
    int out = layers.dense(node, (int) x.features(), graph.constInput(node, 1, "weight"), false,
        null, 1.0, 1.0);
    output(node, x.shape()[0], out);
  }

  private Value.Flow matrixInput(NodeRef node) throws OnnxException {
    Value.Flow x = graph.flowInput(node, 0);
    if (x.shape().length != 2) {
      throw node.fail("its input has shape " + x.describe() + "; flatten it to [N, "
          + x.features() + "] first (Flatten, or x.view(x.size(0), -1) in PyTorch)");
    }
    return x;
  }

  private void output(NodeRef node, long batch, int out) throws OnnxException {
    graph.define(node.proto().getOutput(0), graph.newFlow(new long[] {batch, out}), "node");
  }

  private void add(NodeRef node) throws OnnxException {
    Value a = graph.input(node, 0);
    Value b = graph.input(node, 1);
    if (a instanceof Value.Flow && b instanceof Value.Flow) {
      throw node.fail("adds two computed tensors: residual connections are not supported yet");
    }
    if (!(a instanceof Value.Flow) && !(b instanceof Value.Flow)) {
      throw node.fail("adds two constants; netc folds only constant shape computations");
    }
    int flowAt = a instanceof Value.Flow ? 0 : 1;
    Value.Flow x = graph.flowInput(node, flowAt);
    layers.addBias(node, graph.constInput(node, 1 - flowAt, "addend"), 1.0);
    passOn(node, x);
  }

  private void batchNorm(NodeRef node) throws OnnxException {
    if (node.intAttr("training_mode", 0) != 0 || node.intAttr("is_test", 1) == 0) {
      throw node.fail("is in training mode; export the model in eval mode (model.eval())");
    }
    for (int i = 1; i < node.proto().getOutputCount(); i++) {
      if (graph.isUsed(node.proto().getOutput(i))) {
        throw node.fail("its running statistics (output " + (i + 1) + ") are used; netc "
            + "imports inference-mode batch normalization only");
      }
    }
    Value.Flow x = graph.flowInput(node, 0);
    Value.Floats[] params = new Value.Floats[4];
    String[] roles = {"scale", "bias", "mean", "variance"};
    for (int i = 0; i < 4; i++) {
      params[i] = graph.constInput(node, i + 1, roles[i]);
    }
    layers.batchNorm(node, params, node.floatAttr("epsilon", 1e-5));
    passOn(node, x);
  }

  private void activation(NodeRef node, String activation) throws OnnxException {
    Value.Flow x = graph.flowInput(node, 0);
    layers.activation(node, activation);
    passOn(node, x);
  }

  private void softmax(NodeRef node) throws OnnxException {
    Value.Flow x = graph.flowInput(node, 0);
    long axis = node.intAttr("axis", opset >= 13 ? -1 : 1);
    if (x.shape().length != 2 || (axis != 1 && axis != -1)) {
      throw node.fail("normalizes over axis " + axis + " of a tensor of shape " + x.describe()
          + "; netc's softmax normalizes the outputs of each example");
    }
    layers.activation(node, "softmax");
    if (node.proto().getOpType().equals("LogSoftmax")) {
      graph.note("LogSoftmax became softmax: predict returns probabilities, the exponential of"
          + " the ONNX model's log-probabilities (loss cross_entropy trains it as PyTorch's"
          + " nll_loss on log_softmax does)");
    }
    passOn(node, x);
  }

  private void passThrough(NodeRef node) throws OnnxException {
    for (int i = 1; i < node.proto().getOutputCount(); i++) {
      if (graph.isUsed(node.proto().getOutput(i))) {
        throw node.fail("its mask (output " + (i + 1) + ") is used; netc imports inference "
            + "graphs, where " + node.op() + " passes its input on unchanged");
      }
    }
    if (node.proto().getOpType().equals("Dropout") && trainingDropout(node)) {
      throw node.fail("is in training mode; export the model in eval mode (model.eval())");
    }
    Value v = graph.input(node, 0);
    if (v instanceof Value.Flow) {
      passOn(node, graph.flowInput(node, 0));
    } else if (v != null) {
      graph.define(node.proto().getOutput(0), v, "node");
    } else {
      throw node.fail("has no input");
    }
  }

  private boolean trainingDropout(NodeRef node) throws OnnxException {
    if (node.input(2).isEmpty()) {
      return false;
    }
    Value mode = graph.input(node, 2);
    return !(mode instanceof Value.Ints ints && ints.values().length == 1
        && ints.values()[0] == 0);
  }

  /** The output of an elementwise or folded node: the same data, one step further. */
  private void passOn(NodeRef node, Value.Flow x) throws OnnxException {
    graph.define(node.proto().getOutput(0), graph.newFlow(x.shape()), "node");
  }
}
