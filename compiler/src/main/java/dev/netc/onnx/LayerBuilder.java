package dev.netc.onnx;

import dev.netc.ir.Decimals;
import java.util.ArrayList;
import java.util.List;

/**
 * Folds the layer-making nodes of a graph into dense layers: Gemm or MatMul start a layer, a
 * constant Add and a BatchNormalization fold into its weights and bias, one activation ends it.
 */
final class LayerBuilder {
  /** A layer under construction; {@code activation} is null until an activation node is seen. */
  private static final class Draft {
    final String weightSource;
    final int in;
    final int out;
    final double[] weight;
    final double[] bias;
    String activation;

    Draft(String weightSource, int in, int out, double[] weight, double[] bias) {
      this.weightSource = weightSource;
      this.in = in;
      this.out = out;
      this.weight = weight;
      this.bias = bias;
    }
  }

  private final List<Draft> drafts = new ArrayList<>();

  /** True when the flow is a dense layer's output to which no activation was applied yet. */
  boolean open() {
    return !drafts.isEmpty() && last().activation == null;
  }

  /** True when no layer has been made yet (the flow is still the input). */
  boolean empty() {
    return drafts.isEmpty();
  }

  /** The number of outputs of the last layer. */
  int lastOut() {
    return last().out;
  }

  private Draft last() {
    return drafts.get(drafts.size() - 1);
  }

  /**
   * Starts a layer {@code z = alpha·x·op(B) + beta·C} where {@code op(B)} is B transposed when
   * {@code transB}; B is [out, in] when transposed (PyTorch's layout), else [in, out].
   */
  void dense(NodeRef node, int in, Value.Floats b, boolean transB, Value.Floats c, double alpha,
      double beta) throws OnnxException {
    checkCanStart(node);
    OnnxTensors.Decoded w = b.tensor();
    if (w.dims().length != 2) {
      throw node.fail("its weight " + Text.quote(b.name()) + " has shape " + w.shape()
          + "; a dense layer needs a matrix");
    }
    long rows = transB ? w.dims()[1] : w.dims()[0];
    if (rows != in) {
      throw node.fail("its weight " + Text.quote(b.name()) + " of shape " + w.shape()
          + " does not take the " + in + " values per example it is given");
    }
    int out = (int) (transB ? w.dims()[0] : w.dims()[1]);
    if (out < 1) {
      throw node.fail("its weight " + Text.quote(b.name()) + " has no outputs");
    }
    double[] weight = new double[out * in];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        weight[o * in + i] = alpha * w.values()[transB ? o * in + i : i * out + o];
      }
    }
    double[] bias = new double[out];
    drafts.add(new Draft(b.name(), in, out, weight, bias));
    if (c != null) {
      addBias(node, c, beta);
    }
  }

  private void checkCanStart(NodeRef node) throws OnnxException {
    if (!drafts.isEmpty() && "softmax".equals(last().activation)) {
      throw node.fail("follows a Softmax: softmax is supported only on the last layer");
    }
  }

  /** Adds {@code scale·c} (a scalar, [out] or [1, out]) to the open layer's bias. */
  void addBias(NodeRef node, Value.Floats c, double scale) throws OnnxException {
    if (!open()) {
      throw node.fail("adds a constant to a tensor that is not a dense layer's output "
          + "(before its activation): netc cannot express that");
    }
    Draft d = last();
    OnnxTensors.Decoded t = c.tensor();
    boolean rowVector = t.size() == d.out
        && (t.dims().length == 1 || (t.dims().length == 2 && t.dims()[0] == 1));
    if (t.size() != 1 && !rowVector) {
      throw node.fail("adds " + Text.quote(c.name()) + " of shape " + t.shape()
          + " to a layer of " + d.out + " outputs; netc needs one bias per output");
    }
    for (int o = 0; o < d.out; o++) {
      d.bias[o] += scale * t.values()[t.size() == 1 ? 0 : o];
    }
  }

  /**
   * Folds inference-mode batch normalization into the open layer: with s = scale / sqrt(var +
   * eps), W' = s·W row by row and b' = s·(b - mean) + shift.
   */
  void batchNorm(NodeRef node, Value.Floats[] params, double eps) throws OnnxException {
    if (!open()) {
      throw node.fail("normalizes a tensor that is not a dense layer's output (before its "
          + "activation): netc folds BatchNormalization only into a preceding Gemm or MatMul");
    }
    Draft d = last();
    for (Value.Floats p : params) {
      if (p.tensor().size() != d.out || p.tensor().dims().length != 1) {
        throw node.fail("its parameter " + Text.quote(p.name()) + " has shape "
            + p.tensor().shape() + "; the layer before has " + d.out + " outputs");
      }
    }
    double[] scale = params[0].tensor().values();
    double[] shift = params[1].tensor().values();
    double[] mean = params[2].tensor().values();
    double[] var = params[3].tensor().values();
    for (int o = 0; o < d.out; o++) {
      if (!(var[o] + eps > 0)) {
        throw node.fail("its variance " + Text.quote(params[3].name()) + " plus epsilon is not "
            + "positive at index " + o);
      }
      double s = scale[o] / Math.sqrt(var[o] + eps);
      for (int i = 0; i < d.in; i++) {
        d.weight[o * d.in + i] *= s;
      }
      d.bias[o] = s * (d.bias[o] - mean[o]) + shift[o];
    }
  }

  /** Applies an activation (as {@code .net} text) to the open layer. */
  void activation(NodeRef node, String activation) throws OnnxException {
    if (drafts.isEmpty()) {
      throw node.fail("applies " + node.op() + " to the network's input: netc applies "
          + "activations only to a dense layer's output");
    }
    if (last().activation != null) {
      throw node.fail("applies " + node.op() + " after " + last().activation + ": a netc dense "
          + "layer has one activation");
    }
    last().activation = activation;
  }

  /** {@code name(alpha = a)} with the shortest decimal that gives the float attribute back. */
  static String withAlpha(String name, double alpha) {
    return name + "(alpha = " + Decimals.ofFloat((float) alpha) + ")";
  }

  /** The finished layers; a layer without an activation node gets {@code identity}. */
  List<ImportedModel.Layer> layers() {
    List<ImportedModel.Layer> out = new ArrayList<>();
    for (Draft d : drafts) {
      out.add(new ImportedModel.Layer(d.weightSource, d.in, d.out, d.weight, d.bias,
          d.activation == null ? "identity" : d.activation));
    }
    return List.copyOf(out);
  }
}
