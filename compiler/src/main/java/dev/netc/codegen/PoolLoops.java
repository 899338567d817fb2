package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.Optional;

/**
 * The loops of a pooling layer's generated kernels: over channel, output row and column, with
 * {@code q} the output's index and {@code first} the input index of its window's top-left value;
 * within them, over the window in row-major order with {@code at} the input index.
 *
 * @param in the layer's input shape, as laid out: rows of {@code in.width()} values
 * @param out the layer's output shape
 * @param plane values per input channel: {@code in.height() * in.width()} unless the input has
 *     padding between its channels
 */
record PoolLoops(Shape.Image in, Shape.Image out, Window window, int plane) {

  /** Loops over a compact input. */
  PoolLoops(Shape.Image in, Shape.Image out, Window window) {
    this(in, out, window, in.height() * in.width());
  }

  /**
   * Loops of {@code pool}'s forward pass in predict: over what the previous layer hands it
   * ({@link EmitContext#predictInputOf}), else over its input.
   */
  static PoolLoops inPredict(MaxPool2d pool, EmitContext ctx) {
    return ctx.predictInputOf(pool.index())
        .map(h -> new PoolLoops(h.shape(), pool.outputShape(), pool.window(), h.plane()))
        .orElseGet(() -> new PoolLoops(pool.inputShape(), pool.outputShape(), pool.window()));
  }

  /** Opens the loops over the outputs (close with {@link #closeOutputs}). */
  void openOutputs(CodeBlock.Builder c) {
    openOutputs(c, null, null);
  }

  /**
   * {@link #openOutputs} over the channels from {@code first} to before {@code end} (expressions;
   * null: all of them).
   */
  void openOutputs(CodeBlock.Builder c, String first, String end) {
    if (first == null) {
      c.addStatement("int q = 0");
      c.beginControlFlow("for (int ch = 0; ch < $L; ch++)", out.channels());
    } else {
      c.addStatement("int q = $L * $L", first, out.height() * out.width());
      c.beginControlFlow("for (int ch = $L; ch < $L; ch++)", first, end);
    }
    c.beginControlFlow("for (int oy = 0; oy < $L; oy++)", out.height());
    c.addStatement("int row = ch * $L + oy * $L", plane,
        window.strideHeight() * in.width());
    c.beginControlFlow("for (int ox = 0; ox < $L; ox++, q++)", out.width());
    c.addStatement("int first = row + ox * $L", window.strideWidth());
  }

  /** Closes {@link #openOutputs}. */
  void closeOutputs(CodeBlock.Builder c) {
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
  }

  /** Opens the loops over one window (close with {@link #closeWindow}). */
  void openWindow(CodeBlock.Builder c) {
    c.beginControlFlow("for (int i = 0; i < $L; i++)", window.kernelHeight());
    c.beginControlFlow("for (int j = 0; j < $L; j++)", window.kernelWidth());
    c.addStatement("int at = first + i * $L + j", in.width());
  }

  /** Closes {@link #openWindow}. */
  void closeWindow(CodeBlock.Builder c) {
    c.endControlFlow();
    c.endControlFlow();
  }

  /** Windows of at most this many values are unrolled by {@link #windowOffsets}'s callers. */
  static final int UNROLLED_AREA = 16;

  /**
   * The offsets from {@code first} of a window's values in row-major order, if the window is
   * small enough to unroll ({@value #UNROLLED_AREA} values at most); otherwise empty.
   */
  Optional<int[]> windowOffsets() {
    int kh = window.kernelHeight();
    int kw = window.kernelWidth();
    if (kh * kw > UNROLLED_AREA) {
      return Optional.empty();
    }
    int[] offsets = new int[kh * kw];
    for (int i = 0; i < kh; i++) {
      for (int j = 0; j < kw; j++) {
        offsets[i * kw + j] = i * in.width() + j;
      }
    }
    return Optional.of(offsets);
  }

  /** True if windows share inputs (a stride below the kernel), so an input can get two deltas. */
  boolean overlaps() {
    return window.strideHeight() < window.kernelHeight()
        || window.strideWidth() < window.kernelWidth();
  }

  /** Values per window, as a double literal. */
  String area() {
    return window.kernelHeight() * window.kernelWidth() + ".0";
  }
}
