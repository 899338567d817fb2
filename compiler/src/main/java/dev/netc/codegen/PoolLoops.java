package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;

/**
 * The loops of a pooling layer's generated kernels: over channel, output row and column, with
 * {@code q} the output's index and {@code first} the input index of its window's top-left value;
 * within them, over the window in row-major order with {@code at} the input index.
 *
 * @param in the layer's input shape
 * @param out the layer's output shape
 */
record PoolLoops(Shape.Image in, Shape.Image out, Window window) {

  /** Opens the loops over the outputs (close with {@link #closeOutputs}). */
  void openOutputs(CodeBlock.Builder c) {
    c.addStatement("int q = 0");
    c.beginControlFlow("for (int ch = 0; ch < $L; ch++)", out.channels());
    c.beginControlFlow("for (int oy = 0; oy < $L; oy++)", out.height());
    c.addStatement("int row = (ch * $L + oy * $L) * $L", in.height(), window.strideHeight(),
        in.width());
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
