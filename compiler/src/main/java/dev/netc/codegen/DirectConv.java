package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.Arrays;
import java.util.List;

/**
 * A direct convolution with every size a constant (the scalar backend's). Each kernel loops over
 * output channel, input channel, kernel row and column, then output row, and innermost over the
 * output columns that read the input (bounds computed per kernel column, so padding costs no test
 * in the inner loop): an axpy over contiguous outputs (and, at stride 1, contiguous inputs) that
 * C2 vectorizes. Forward adds each output's terms in the interpreter's order (input channel,
 * kernel row, column), so it is bit-identical to it.
 */
final class DirectConv implements ConvKernels {
  private final EmitContext ctx;
  private final Shape.Image in;
  private final Shape.Image out;
  private final Window w;

  DirectConv(Conv2d conv, EmitContext ctx) {
    this.ctx = ctx;
    this.in = conv.inputShape();
    this.out = conv.outputShape();
    this.w = conv.window();
  }

  @Override
  public List<FieldSpec> fields() {
    return List.of();
  }

  @Override
  public void forward(CodeBlock.Builder c) {
    c.addStatement("$T.fill(z, $L)", Arrays.class, ctx.lit(0));
    windows(c, "z[zr + ox] += wv * x[xr + ox * $L]");
    int plane = out.height() * out.width();
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.addStatement("$T bo = b[o]", ctx.scalar());
    c.beginControlFlow("for (int p = o * $L; p < (o + 1) * $L; p++)", plane, plane);
    c.addStatement("z[p] += bo");
    c.endControlFlow();
    c.endControlFlow();
  }

  @Override
  public void weightGradient(CodeBlock.Builder c) {
    windows(c, "gw[k] += d[zr + ox] * x[xr + ox * $L]");
  }

  @Override
  public void inputDelta(CodeBlock.Builder c) {
    c.addStatement("$T.fill(g, $L)", Arrays.class, ctx.lit(0));
    windows(c, "g[xr + ox * $L] += wv * d[zr + ox]");
  }

  @Override
  public String description() {
    return "direct convolution";
  }

  /**
   * The loops over every (output channel o, input channel ci, kernel row ki, column kj, output
   * row oy) and innermost over the output columns ox whose input lies inside the image, with
   * {@code k} the weight's index, {@code wv} its value (when the statement reads it), {@code zr}
   * the output row's start and {@code xr} the input index of column 0; {@code inner} takes the
   * stride as its one argument.
   */
  private void windows(CodeBlock.Builder c, String inner) {
    CodeBlock.Builder tap = CodeBlock.builder().addStatement(
        "int k = ((o * $L + ci) * $L + ki) * $L + kj", in.channels(), w.kernelHeight(),
        w.kernelWidth());
    if (inner.contains("wv")) {
      tap.addStatement("$T wv = w[k]", ctx.scalar());
    }
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    ConvGeometry.taps(c, in, out, w, tap.build(),
        CodeBlock.of("int zr = (o * $L + oy) * $L;\n", out.height(), out.width()),
        ConvGeometry.columns(w, inner));
    c.endControlFlow();
  }
}
