package dev.netc.onnx;

import dev.netc.ir.Shape;
import java.util.Arrays;

/** What a tensor of the graph is while it is imported: the data flowing through, or constants. */
sealed interface Value {
  /** The symbolic batch dimension in shapes and folded shape vectors. */
  long BATCH = Long.MIN_VALUE;

  /** Integer constants longer than this are not shapes or indices; they stay {@link Floats}. */
  int MAX_SHAPE_VALUES = 64;

  /**
   * The tensor computed from the network's input; {@code shape[0]} is {@link #BATCH}. Only one
   * exists at a time: netc networks are chains.
   */
  record Flow(int id, long[] shape) implements Value {
    /** Values per example: the product of the dimensions after the batch. */
    long features() {
      long n = 1;
      for (int i = 1; i < shape.length; i++) {
        n *= shape[i];
      }
      return n;
    }

    /** True for a batch of images, [N, C, H, W]. */
    boolean isImage() {
      return shape.length == 4;
    }

    /** One example's image C×H×W of a flow of shape [N, C, H, W]. */
    Shape.Image image() {
      return new Shape.Image((int) shape[1], (int) shape[2], (int) shape[3]);
    }

    /** The shape as text, with {@code N} for the batch, e.g. {@code [N, 1, 4, 4]}. */
    String describe() {
      return Value.describe(shape);
    }
  }

  /** A folded integer vector (a shape being computed), possibly holding {@link #BATCH}. */
  record Ints(long[] values, boolean scalar) implements Value {}

  /** A float or double constant: an initializer or a Constant node's value. */
  record Floats(String name, OnnxTensors.Decoded tensor) implements Value {}

  /** A constant: integers (shapes, indices, flags) as {@link Ints}, the rest as {@link Floats}. */
  static Value of(String name, OnnxTensors.Decoded t) {
    if (!t.integer() || t.size() > MAX_SHAPE_VALUES) {
      return new Floats(name, t);
    }
    long[] v = new long[t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (long) t.values()[i];
    }
    return new Ints(v, t.dims().length == 0);
  }

  /** A shape as text, with {@code N} for the batch. */
  static String describe(long[] shape) {
    return Arrays.toString(Arrays.stream(shape)
        .mapToObj(d -> d == BATCH ? "N" : Long.toString(d)).toArray());
  }
}
