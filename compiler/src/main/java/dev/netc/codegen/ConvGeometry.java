package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;

/**
 * Where a kernel tap (input channel ci, kernel row ki, column kj) reads the input, as statements
 * inside loops over those variables and the output row oy: the output rows and columns whose
 * input lies inside the image (so padding costs no test in an inner loop) and the input index of
 * output column 0. Shared by im2col and col2im of both backends.
 */
final class ConvGeometry {
  private ConvGeometry() {}

  /**
   * The loops over every tap (input channel ci, kernel row ki, column kj) with {@code tap}
   * inside, and within each over the output rows oy whose input row lies inside the image, with
   * {@code row} and then {@code columns} inside: the latter handles the output columns in
   * [x0, x1) (those whose input lies inside the image), {@code xr} being the input index of
   * column 0 (declared where {@code columns} uses it).
   */
  static void taps(CodeBlock.Builder c, Shape.Image in, Shape.Image out, Window w,
      CodeBlock tap, CodeBlock row, CodeBlock columns) {
    taps(c, in, out, w, tap, row, columns, CodeBlock.of(""));
  }

  /** {@link #taps}, with {@code afterRows} inside each tap after the loop over the rows. */
  static void taps(CodeBlock.Builder c, Shape.Image in, Shape.Image out, Window w,
      CodeBlock tap, CodeBlock row, CodeBlock columns, CodeBlock afterRows) {
    c.beginControlFlow("for (int ci = 0; ci < $L; ci++)", in.channels());
    c.beginControlFlow("for (int ki = 0; ki < $L; ki++)", w.kernelHeight());
    rowBounds(c, in, out, w);
    c.beginControlFlow("for (int kj = 0; kj < $L; kj++)", w.kernelWidth());
    String body = tap.toString() + row + columns + afterRows;
    if (EmitContext.mentions(body, "x0") || EmitContext.mentions(body, "x1")) {
      columnBounds(c, in, out, w);
    }
    c.add(tap);
    c.beginControlFlow("for (int oy = y0; oy < y1; oy++)");
    c.add(row);
    if (EmitContext.mentions(columns.toString(), "xr")) {
      inputRow(c, in, w);
    }
    c.add(columns);
    c.endControlFlow();
    c.add(afterRows);
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
  }

  /** The loop over the output columns in [x0, x1) with {@code statement} (taking the stride). */
  static CodeBlock columns(Window w, String statement) {
    return CodeBlock.builder().beginControlFlow("for (int ox = x0; ox < x1; ox++)")
        .addStatement(statement, w.strideWidth())
        .endControlFlow().build();
  }

  /** {@code y0, y1}: the output rows whose input row {@code oy * S - P + ki} lies in [0, H). */
  private static void rowBounds(CodeBlock.Builder c, Shape.Image in, Shape.Image out, Window w) {
    axisBounds(c, "y", "ki", in.height(), out.height(), w.strideHeight(), w.padHeight());
  }

  /** {@code x0, x1}: the output columns whose input column lies in [0, W), for column kj. */
  private static void columnBounds(CodeBlock.Builder c, Shape.Image in, Shape.Image out, Window w) {
    axisBounds(c, "x", "kj", in.width(), out.width(), w.strideWidth(), w.padWidth());
  }

  /**
   * {@code v0, v1} for axis {@code v}: the outputs o in [0, outSize) whose input
   * {@code o * stride - pad + tap} lies in [0, inSize).
   */
  private static void axisBounds(CodeBlock.Builder c, String v, String tap, int inSize,
      int outSize, int stride, int pad) {
    c.addStatement("int $L0 = Math.max(0, Math.floorDiv($L - $L + $L, $L))", v, pad, tap,
        stride - 1, stride);
    c.addStatement("int $L1 = Math.min($L, Math.floorDiv($L - $L, $L) + 1)", v, outSize,
        inSize - 1 + pad, tap, stride);
  }

  /** {@code xr}: the input index that output column 0 of row oy reads (may lie outside). */
  private static void inputRow(CodeBlock.Builder c, Shape.Image in, Window w) {
    c.addStatement("int xr = (ci * $L + oy * $L - $L + ki) * $L - $L + kj", in.height(),
        w.strideHeight(), w.padHeight(), in.width(), w.padWidth());
  }
}
