package dev.netc.onnx;

import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.Arrays;

/**
 * Convolution and pooling nodes: Conv (2-D, group 1, explicit symmetric pads), MaxPool and
 * AveragePool (no padding), their global forms, and the zero Pad PyTorch writes before an
 * AveragePool. Each becomes a {@code conv2d}, {@code maxpool} or {@code avgpool} layer whose
 * window is netc's: one stride for both axes (or a pool's default, the kernel size), and one
 * padding for both axes or {@code same}.
 */
final class ConvOps {
  private final GraphImporter graph;
  private final LayerBuilder layers;
  private final int opset;

  ConvOps(GraphImporter graph, LayerBuilder layers, int opset) {
    this.graph = graph;
    this.layers = layers;
    this.opset = opset;
  }

  /** Applies Conv, MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool or Pad. */
  void apply(NodeRef node) throws OnnxException {
    switch (node.proto().getOpType()) {
      case "Conv" -> conv(node);
      case "MaxPool" -> pool(node, true);
      case "AveragePool" -> pool(node, false);
      case "GlobalMaxPool", "GlobalAveragePool" -> globalPool(node);
      case "Pad" -> pad(node);
      default -> throw new IllegalStateException("not a convolution op: " + node.op());
    }
  }

  private void conv(NodeRef node) throws OnnxException {
    Value.Flow x = imageInput(node);
    long group = node.intAttr("group", 1);
    if (group != 1) {
      throw node.fail("is a grouped convolution (group = " + group + "); netc's conv2d "
          + "supports group 1 only");
    }
    Value.Floats w = graph.constInput(node, 1, "weight");
    long[] d = w.tensor().dims();
    if (d.length != 4 || d[0] < 1 || d[1] != x.shape()[1] || d[2] < 1 || d[3] < 1) {
      throw node.fail("its weight " + Text.quote(w.name()) + " has shape " + w.tensor().shape()
          + "; a 2-D convolution of " + x.shape()[1] + " input channels needs [out, "
          + x.shape()[1] + ", KH, KW]");
    }
    long[] kernel = node.intsAttr("kernel_shape");
    if (kernel != null && !Arrays.equals(kernel, new long[] {d[2], d[3]})) {
      throw node.fail("its kernel_shape " + Arrays.toString(kernel) + " is not its weight's "
          + "[" + d[2] + ", " + d[3] + "]");
    }
    checkDilations(node);
    int[] strides = pair(node, "strides", 1);
    long[] pads = pads(node);
    if (pads[0] != pads[2] || pads[1] != pads[3]) {
      throw node.fail("pads asymmetrically (pads = " + Arrays.toString(pads) + ": top, left, "
          + "bottom, right); netc's conv2d pads both sides of an axis alike");
    }
    if (strides[0] != strides[1]) {
      throw node.fail("strides rows and columns differently (strides = "
          + Arrays.toString(strides) + "); netc's conv2d takes one stride for both");
    }
    int kh = (int) d[2];
    int kw = (int) d[3];
    boolean same = strides[0] == 1 && kh % 2 == 1 && kw % 2 == 1 && pads[0] == (kh - 1) / 2
        && pads[1] == (kw - 1) / 2;
    if (pads[0] != pads[1] && !same) {
      throw node.fail("pads rows and columns differently (pads = " + Arrays.toString(pads)
          + "); netc's conv2d pads both alike, or as 'same' (stride 1, odd kernel sizes, "
          + "(K - 1) / 2 on each side)");
    }
    Window window = new Window(kh, kw, strides[0], strides[1], (int) pads[0], (int) pads[1]);
    Shape.Image in = x.image();
    checkFits(node, window, in, d[0]);
    Value.Floats bias = node.input(2).isEmpty() ? null : graph.constInput(node, 2, "bias");
    layers.conv(node, in, w, window, bias);
    output(node, x, window.output(in, (int) d[0]));
  }

  private void pool(NodeRef node, boolean max) throws OnnxException {
    if (max && graph.isUsed(outputName(node, 1))) {
      throw node.fail("its indices (output 2) are used; netc imports max pooling of values");
    }
    Value.Flow x = imageInput(node);
    if (node.intsAttr("kernel_shape") == null) {
      throw node.fail("has no kernel_shape");
    }
    int[] kernel = pair(node, "kernel_shape", -1);
    checkDilations(node);
    int[] strides = pair(node, "strides", 1);
    long[] pads = pads(node);
    if (Arrays.stream(pads).anyMatch(p -> p != 0)) {
      throw node.fail("pads its input (pads = " + Arrays.toString(pads) + "); netc's "
          + (max ? "maxpool" : "avgpool") + " does not pad");
    }
    boolean byKernel = strides[0] == kernel[0] && strides[1] == kernel[1];
    if (!byKernel && strides[0] != strides[1]) {
      throw node.fail("strides rows and columns differently (strides = "
          + Arrays.toString(strides) + "); netc's pooling takes one stride for both, or the "
          + "kernel size along each axis");
    }
    Window window = Window.unpadded(kernel[0], kernel[1], strides[0], strides[1]);
    Shape.Image in = x.image();
    checkFits(node, window, in, in.channels());
    boolean ceilDiffers = (in.height() - kernel[0]) % strides[0] != 0
        || (in.width() - kernel[1]) % strides[1] != 0;
    if (node.intAttr("ceil_mode", 0) != 0 && ceilDiffers) {
      throw node.fail("rounds its output size up (ceil_mode = 1), which on its " + in.describe()
          + " input adds a partial window; netc's pooling rounds down (PyTorch's default, "
          + "ceil_mode=False)");
    }
    layers.pool(node, in, max, window);
    output(node, x, window.output(in, in.channels()));
  }

  /** A global pool is a pool whose window is the whole image. */
  private void globalPool(NodeRef node) throws OnnxException {
    Value.Flow x = imageInput(node);
    Shape.Image in = x.image();
    Window window = Window.unpadded(in.height(), in.width(), in.height(), in.width());
    layers.pool(node, in, node.proto().getOpType().equals("GlobalMaxPool"), window);
    output(node, x, window.output(in, in.channels()));
  }

  /** A Pad that adds nothing passes its input on; PyTorch writes one before AveragePool. */
  private void pad(NodeRef node) throws OnnxException {
    Value.Flow x = graph.flowInput(node, 0);
    long[] pads;
    if (opset >= 11) {
      Value v = graph.input(node, 1);
      pads = v instanceof Value.Ints ints ? ints.values() : null;
    } else {
      pads = node.intsAttr("pads");
    }
    if (pads == null || Arrays.stream(pads).anyMatch(p -> p != 0)) {
      throw node.fail("pads its input" + (pads == null ? "" : " (pads = "
          + Value.describe(pads) + ")") + "; netc folds only Pad nodes that add nothing (pad "
          + "inside the Conv instead)");
    }
    graph.define(node.proto().getOutput(0), graph.newFlow(x.shape()), "node");
  }

  private Value.Flow imageInput(NodeRef node) throws OnnxException {
    Value.Flow x = graph.flowInput(node, 0);
    if (!x.isImage()) {
      throw node.fail("its input has shape " + x.describe() + "; netc's convolutions and "
          + "pooling take 2-D images [N, C, H, W]");
    }
    return x;
  }

  /**
   * Checks that the window fits the input and that the output of {@code channels} images is not
   * absurdly large (the front end then applies netc's exact limit with its own message).
   */
  private static void checkFits(NodeRef node, Window window, Shape.Image in, long channels)
      throws OnnxException {
    if (!window.fits(in)) {
      throw node.fail("its window (" + window.describe() + ") does not fit its input "
          + in.describe() + ": the output would be empty");
    }
    long values = window.outHeight(in.height()) * window.outWidth(in.width());
    if (values > OnnxTensors.MAX_VALUES / channels) {
      throw node.fail("its output of " + channels + " images " + window.outHeight(in.height())
          + "x" + window.outWidth(in.width()) + " is larger than netc allows");
    }
  }

  private static void checkDilations(NodeRef node) throws OnnxException {
    long[] dilations = node.intsAttr("dilations");
    if (dilations != null && Arrays.stream(dilations).anyMatch(d -> d != 1)) {
      throw node.fail("dilates its window (dilations = " + Arrays.toString(dilations)
          + "); netc supports dilation 1 only");
    }
  }

  /**
   * The pads [top, left, bottom, right] (zeros when absent or auto_pad = VALID); automatic
   * padding that depends on the input size is refused.
   */
  private static long[] pads(NodeRef node) throws OnnxException {
    String autoPad = node.stringAttr("auto_pad", "NOTSET");
    if (autoPad.equals("VALID")) {
      return new long[4];
    }
    if (!autoPad.equals("NOTSET")) {
      throw node.fail("pads automatically (auto_pad = " + Text.oneLine(autoPad) + "); netc "
          + "imports explicit pads (auto_pad NOTSET) or VALID");
    }
    long[] pads = node.intsAttr("pads");
    if (pads == null) {
      return new long[4];
    }
    int max = GraphImporter.MAX_INPUT;
    if (pads.length != 4 || Arrays.stream(pads).anyMatch(p -> p < 0 || p > max)) {
      throw node.fail("has pads " + Arrays.toString(pads) + "; a 2-D window takes 4 sizes from 0"
          + " to " + max);
    }
    return pads;
  }

  /** A pair of sizes from 1 to netc's input limit, or {fallback, fallback} when absent. */
  private static int[] pair(NodeRef node, String name, int fallback) throws OnnxException {
    long[] v = node.intsAttr(name);
    if (v == null) {
      return new int[] {fallback, fallback};
    }
    int max = GraphImporter.MAX_INPUT;
    if (v.length != 2 || Arrays.stream(v).anyMatch(s -> s < 1 || s > max)) {
      throw node.fail("has " + name + " " + Arrays.toString(v) + "; a 2-D window takes 2 sizes "
          + "from 1 to " + max);
    }
    return new int[] {(int) v[0], (int) v[1]};
  }

  private static String outputName(NodeRef node, int i) {
    return i < node.proto().getOutputCount() ? node.proto().getOutput(i) : "";
  }

  private void output(NodeRef node, Value.Flow x, Shape.Image out) throws OnnxException {
    graph.define(node.proto().getOutput(0), graph.newFlow(new long[] {x.shape()[0],
        out.channels(), out.height(), out.width()}), "node");
  }
}
