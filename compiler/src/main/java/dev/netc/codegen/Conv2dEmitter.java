package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.Arrays;

/**
 * A conv2d layer's per-example methods, a direct convolution with every size a constant. Each
 * kernel loops over output channel, input channel, kernel row and column, then output row, and
 * innermost over the output columns that read the input (bounds computed per kernel column, so
 * padding costs no test in the inner loop): an axpy over contiguous outputs (and, at stride 1,
 * contiguous inputs) that C2 vectorizes. The code is the same for both backends. Forward adds
 * each output's terms in the interpreter's order (input channel, kernel row, column), so it is
 * bit-identical to it.
 */
final class Conv2dEmitter extends PerExampleEmitter {
  private final Shape.Image in;
  private final Shape.Image out;
  private final Window w;

  Conv2dEmitter(Conv2d conv, EmitContext ctx) {
    super(conv, ctx);
    this.in = conv.inputShape();
    this.out = conv.outputShape();
    this.w = conv.window();
  }

  @Override
  public MethodSpec forward() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "w", n.weight());
    ctx.declareArray(c, "b", n.bias());
    ctx.declareArray(c, "x", ctx.inputOf(layer.index()));
    ctx.declareArray(c, "z", n.z());
    ctx.declareArray(c, "a", n.act());
    c.addStatement("$T.fill(z, $L)", Arrays.class, ctx.lit(0));
    windows(c, "z[zr + ox] += wv * x[xr + ox * $L]");
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.addStatement("$T bo = b[o]", ctx.scalar());
    c.beginControlFlow("for (int p = o * $L; p < (o + 1) * $L; p++)", plane(), plane());
    c.addStatement("z[p] += bo");
    c.endControlFlow();
    c.endControlFlow();
    activate(c, out.size());
    return method(n.forward(), forwardDoc(", " + Javadoc.escape(layer.activation().describe())
        + ", direct convolution."), c.build());
  }

  @Override
  public MethodSpec gradient() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "gw", n.weightGrad());
    ctx.declareArray(c, "gb", n.biasGrad());
    ctx.declareArray(c, "d", n.delta());
    ctx.declareArray(c, "x", ctx.inputOf(layer.index()));
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.addStatement("$T s = $L", ctx.scalar(), ctx.lit(0));
    c.beginControlFlow("for (int p = o * $L; p < (o + 1) * $L; p++)", plane(), plane());
    c.addStatement("s += d[p]");
    c.endControlFlow();
    c.addStatement("gb[o] += s");
    c.endControlFlow();
    windows(c, "gw[k] += d[zr + ox] * x[xr + ox * $L]");
    return method(n.gradient(), "Layer " + Javadoc.escape(layer.name())
        + ": adds the correlation of its input with delta to the weight gradient, delta's sums"
        + " to the bias gradient.", c.build());
  }

  @Override
  public MethodSpec backprop() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "w", n.weight());
    ctx.declareArray(c, "d", n.delta());
    declarePrevious(c);
    c.addStatement("$T.fill(g, $L)", Arrays.class, ctx.lit(0));
    windows(c, "g[xr + ox * $L] += wv * d[zr + ox]");
    timesPreviousDerivative(c);
    return method(n.backprop(), "Layer " + Javadoc.escape(layer.name())
        + ": the previous layer's delta, delta convolved with the flipped kernels, times its"
        + " activation's derivative.", c.build());
  }

  private int plane() {
    return out.height() * out.width();
  }

  /**
   * The loops over every (output channel o, input channel ci, kernel row ki, column kj, output
   * row oy) and innermost over the output columns ox whose input lies inside the image, with
   * {@code k} the weight's index, {@code wv} its value (when the statement reads it), {@code zr}
   * the output row's start and {@code xr} the input index of column 0; {@code inner} takes the
   * stride as its one argument.
   */
  private void windows(CodeBlock.Builder c, String inner) {
    int kh = w.kernelHeight();
    int kw = w.kernelWidth();
    int sh = w.strideHeight();
    int sw = w.strideWidth();
    int ph = w.padHeight();
    int pw = w.padWidth();
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.beginControlFlow("for (int ci = 0; ci < $L; ci++)", in.channels());
    c.beginControlFlow("for (int ki = 0; ki < $L; ki++)", kh);
    // Output rows whose input row oy * S - P + ki lies in [0, H).
    c.addStatement("int y0 = Math.max(0, Math.floorDiv($L - ki + $L, $L))", ph, sh - 1, sh);
    c.addStatement("int y1 = Math.min($L, Math.floorDiv($L - ki, $L) + 1)", out.height(),
        in.height() - 1 + ph, sh);
    c.beginControlFlow("for (int kj = 0; kj < $L; kj++)", kw);
    c.addStatement("int x0 = Math.max(0, Math.floorDiv($L - kj + $L, $L))", pw, sw - 1, sw);
    c.addStatement("int x1 = Math.min($L, Math.floorDiv($L - kj, $L) + 1)", out.width(),
        in.width() - 1 + pw, sw);
    c.addStatement("int k = ((o * $L + ci) * $L + ki) * $L + kj", in.channels(), kh, kw);
    if (inner.contains("wv")) {
      c.addStatement("$T wv = w[k]", ctx.scalar());
    }
    c.beginControlFlow("for (int oy = y0; oy < y1; oy++)");
    c.addStatement("int zr = (o * $L + oy) * $L", out.height(), out.width());
    c.addStatement("int xr = (ci * $L + oy * $L - $L + ki) * $L - $L + kj", in.height(), sh, ph,
        in.width(), pw);
    c.beginControlFlow("for (int ox = x0; ox < x1; ox++)");
    c.addStatement(inner, sw);
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
  }
}
