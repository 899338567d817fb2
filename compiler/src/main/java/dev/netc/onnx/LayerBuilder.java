package dev.netc.onnx;

import dev.netc.ir.Decimals;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.ArrayList;
import java.util.List;

/**
 * Folds the layer-making nodes of a graph into netc layers: Gemm, MatMul or Conv start a layer
 * with weights, a constant Add and a BatchNormalization fold into its weights and bias, one
 * activation ends it; pooling and flatten are layers of their own.
 */
final class LayerBuilder {
  /** A layer in the order of the graph, with the shape of one example's input. */
  private sealed interface Entry {
    Shape in();
  }

  /** A pooling or flatten layer: nothing to fold into it. */
  private record Fixed(ImportedModel.Layer layer, Shape in) implements Entry {}

  /**
   * A layer with weights under construction ([out, …] row-major); {@code window} is null for a
   * dense layer; {@code activation} is null until an activation node is seen.
   */
  private static final class Draft implements Entry {
    final String weightSource;
    final Shape in;
    final int out;
    final Window window;
    final double[] weight;
    final double[] bias;
    String activation;

    Draft(String weightSource, Shape in, int out, Window window, double[] weight) {
      this.weightSource = weightSource;
      this.in = in;
      this.out = out;
      this.window = window;
      this.weight = weight;
      this.bias = new double[out];
    }

    @Override
    public Shape in() {
      return in;
    }

    String kind() {
      return window == null ? "dense" : "conv2d";
    }
  }

  private final List<Entry> entries = new ArrayList<>();

  /** True when the flow is a layer's output to which no activation was applied yet. */
  boolean open() {
    return !entries.isEmpty() && last() instanceof Draft d && d.activation == null;
  }

  /** True when no layer has been made yet (the flow is still the input). */
  boolean empty() {
    return entries.isEmpty();
  }

  private Entry last() {
    return entries.get(entries.size() - 1);
  }

  /**
   * Starts a layer {@code z = alpha·x·op(B) + beta·C} where {@code op(B)} is B transposed when
   * {@code transB}; B is [out, in] when transposed (PyTorch's layout), else [in, out]. Returns
   * the number of outputs.
   */
  int dense(NodeRef node, int in, Value.Floats b, boolean transB, Value.Floats c, double alpha,
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
    entries.add(new Draft(b.name(), Shape.vector(in), out, null, weight));
    if (c != null) {
      addBias(node, c, beta);
    }
    return out;
  }

  /**
   * Starts a convolution on {@code in} with the weight {@code w} [out, in, KH, KW] (checked by
   * the caller) and an optional bias [out].
   */
  void conv(NodeRef node, Shape.Image in, Value.Floats w, Window window, Value.Floats bias)
      throws OnnxException {
    checkCanStart(node);
    int out = (int) w.tensor().dims()[0];
    Draft d = new Draft(w.name(), in, out, window, w.tensor().values().clone());
    if (bias != null) {
      if (bias.tensor().dims().length != 1 || bias.tensor().size() != out) {
        throw node.fail("its bias " + Text.quote(bias.name()) + " has shape "
            + bias.tensor().shape() + "; the convolution has " + out + " output channels");
      }
      System.arraycopy(bias.tensor().values(), 0, d.bias, 0, out);
    }
    entries.add(d);
  }

  /** Adds a max or average pooling layer on {@code in}. */
  void pool(NodeRef node, Shape.Image in, boolean max, Window window) throws OnnxException {
    checkCanStart(node);
    entries.add(new Fixed(new ImportedModel.Pool(max, window), in));
  }

  /** Adds a flatten layer on {@code in}, the output image of the layer before. */
  void flatten(NodeRef node, Shape.Image in) throws OnnxException {
    checkCanStart(node);
    entries.add(new Fixed(new ImportedModel.Flatten(), in));
  }

  private void checkCanStart(NodeRef node) throws OnnxException {
    if (!entries.isEmpty() && last() instanceof Draft d && "softmax".equals(d.activation)) {
      throw node.fail("follows a Softmax: softmax is supported only on the last layer");
    }
  }

  /**
   * Adds {@code scale·c} to the open layer's bias: a scalar, or one value per output ([out] or
   * [1, out] after a dense layer, [out, 1, 1] or [1, out, 1, 1] after a convolution).
   */
  void addBias(NodeRef node, Value.Floats c, double scale) throws OnnxException {
    if (!open()) {
      throw node.fail("adds a constant to a tensor that is not a dense or conv2d layer's output "
          + "(before its activation): netc cannot express that");
    }
    Draft d = (Draft) last();
    OnnxTensors.Decoded t = c.tensor();
    if (t.size() != 1 && !(t.size() == d.out && perOutput(t.dims(), d.window != null))) {
      throw node.fail("adds " + Text.quote(c.name()) + " of shape " + t.shape()
          + " to a layer of " + d.out + " outputs; netc needs one bias per output");
    }
    for (int o = 0; o < d.out; o++) {
      d.bias[o] += scale * t.values()[t.size() == 1 ? 0 : o];
    }
  }

  /** True when dims broadcast one value per output: along axis 1 of [N, out] or [N, out, H, W]. */
  private static boolean perOutput(long[] dims, boolean image) {
    int outAxis = image ? dims.length - 3 : dims.length - 1;
    if (outAxis < 0 || dims.length > (image ? 4 : 2)) {
      return false;
    }
    for (int i = 0; i < dims.length; i++) {
      if (i != outAxis && dims[i] != 1) {
        return false;
      }
    }
    return true;
  }

  /**
   * Folds inference-mode batch normalization into the open layer: with s = scale / sqrt(var +
   * eps), W' = s·W per output (a row, or a filter) and b' = s·(b - mean) + shift.
   */
  void batchNorm(NodeRef node, Value.Floats[] params, double eps) throws OnnxException {
    if (!open()) {
      throw node.fail("normalizes a tensor that is not a dense or conv2d layer's output (before "
          + "its activation): netc folds BatchNormalization only into a preceding Gemm, MatMul "
          + "or Conv");
    }
    Draft d = (Draft) last();
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
    int row = d.weight.length / d.out;
    for (int o = 0; o < d.out; o++) {
      if (!(var[o] + eps > 0)) {
        throw node.fail("its variance " + Text.quote(params[3].name()) + " plus epsilon is not "
            + "positive at index " + o);
      }
      double s = scale[o] / Math.sqrt(var[o] + eps);
      for (int i = 0; i < row; i++) {
        d.weight[o * row + i] *= s;
      }
      d.bias[o] = s * (d.bias[o] - mean[o]) + shift[o];
    }
  }

  /**
   * Applies an activation (as {@code .net} text) to the open layer. After max pooling or a
   * flatten it goes to the convolution before: a flatten moves values without changing them, and
   * max pooling commutes with every elementwise activation netc has, as they never decrease
   * (relu(max(a, b)) = max(relu(a), relu(b))), so PyTorch's {@code relu(max_pool(conv))} is
   * netc's {@code conv2d … relu} then {@code maxpool}.
   */
  void activation(NodeRef node, String activation) throws OnnxException {
    if (entries.isEmpty()) {
      throw node.fail("applies " + node.op() + " to the network's input: netc applies "
          + "activations only to a dense or conv2d layer's output");
    }
    int at = entries.size() - 1;
    while (at > 0 && !activation.equals("softmax") && commutes(entries.get(at))) {
      at--;
    }
    if (!(entries.get(at) instanceof Draft d)) {
      throw node.fail("applies " + node.op() + " to the output of " + describe(entries.get(at))
          + ": netc applies activations only to a dense or conv2d layer's output");
    }
    if (d.activation != null) {
      throw node.fail("applies " + node.op() + " after " + d.activation + ": a netc "
          + d.kind() + " layer has one activation");
    }
    d.activation = activation;
  }

  private static boolean commutes(Entry e) {
    return e instanceof Fixed f && (f.layer() instanceof ImportedModel.Flatten
        || f.layer() instanceof ImportedModel.Pool p && p.max());
  }

  private static String describe(Entry e) {
    if (e instanceof Fixed f && f.layer() instanceof ImportedModel.Pool p) {
      return p.max() ? "max pooling" : "average pooling";
    }
    return "a flatten";
  }

  /** {@code name(alpha = a)} with the shortest decimal that gives the float attribute back. */
  static String withAlpha(String name, double alpha) {
    return name + "(alpha = " + Decimals.ofFloat((float) alpha) + ")";
  }

  /** The input shape of the first layer: the network's input. */
  Shape input() {
    return entries.get(0).in();
  }

  /** The finished layers; a layer without an activation node gets {@code identity}. */
  List<ImportedModel.Layer> layers() {
    List<ImportedModel.Layer> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e instanceof Fixed f) {
        out.add(f.layer());
      } else if (e instanceof Draft d) {
        String activation = d.activation == null ? "identity" : d.activation;
        out.add(d.window == null
            ? new ImportedModel.Dense(d.weightSource, d.out, d.weight, d.bias, activation)
            : new ImportedModel.Conv(d.weightSource, d.out, d.window, d.weight, d.bias,
                activation));
      }
    }
    return List.copyOf(out);
  }
}
