package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One example's convolution lowered to GEMMs over the output positions p = (oy, ox) in plain
 * Java (the scalar backend's), shaped for C2's auto-vectorizer: every inner loop runs over one
 * destination row and up to {@value #TERMS} source rows, all separate arrays indexed by the loop
 * variable alone (the only form JDK 17's C2 vectorizes). With k = (ci, ki, kj) and
 * {@code col[k][p]} the input value tap k of position p reads (im2col; entries in the padding are
 * never written, so they stay zero):
 *
 * <ul>
 *   <li>forward: per output channel, a row {@code acc[p] = b[o] + Σ_k W[o][k] col[k][p]},
 *       {@value #TERMS} taps per pass, copied into z;
 *   <li>weight gradient: col transposed ({@code colT[p][k]}), then per channel a row
 *       {@code acc[k] = Σ_p δ[o][p] colT[p][k]} added to ∂W (an axpy over k, not a reduction);
 *   <li>input delta: δ's channels as rows, {@code dcol[k][p] = Σ_o W[o][k] δ[o][p]}, then col2im.
 * </ul>
 */
final class ScalarConv implements ConvKernels {
  /** Source rows per pass over a destination row. */
  private static final int TERMS = CodegenPolicy.SCALAR_BACKWARD_TERMS;

  private final Conv2d conv;
  private final EmitContext ctx;
  private final Shape.Image in;
  private final Shape.Image out;
  private final Window win;
  private final int taps;
  private final int positions;
  private final String col;
  private final String row;
  private final String colT;
  private final String tapRow;
  private final String deltaRows;
  private final String dcol;
  /** Where the sums of rows are written (shared with the dense layers' batched kernels). */
  private final ScalarBatchKernels rowKernels;

  ScalarConv(Conv2d conv, EmitContext ctx, ScalarBatchKernels rowKernels) {
    this.conv = conv;
    this.rowKernels = rowKernels;
    this.ctx = ctx;
    this.in = conv.inputShape();
    this.out = conv.outputShape();
    this.win = conv.window();
    this.taps = in.channels() * win.kernelHeight() * win.kernelWidth();
    this.positions = out.height() * out.width();
    Names names = ctx.names();
    String base = conv.name();
    boolean training = ctx.trainable();
    boolean propagates = training && conv.index() > 0;
    this.col = names.helper(base + "Col");
    this.row = names.helper(base + "Row");
    this.colT = training ? names.helper(base + "ColT") : null;
    this.tapRow = training ? names.helper(base + "TapRow") : null;
    this.deltaRows = propagates ? names.helper(base + "DeltaRows") : null;
    this.dcol = propagates ? names.helper(base + "Dcol") : null;
  }

  @Override
  public List<FieldSpec> fields() {
    List<FieldSpec> f = new ArrayList<>();
    f.add(Javadoc.on(ctx.matrix(col, taps, positions), "im2col of " + conv.name()
        + "'s input for the last forward pass: [tap][position]."));
    f.add(Javadoc.on(ctx.buffer(row, positions), "One output channel of " + conv.name()
        + " being summed."));
    if (colT != null) {
      f.add(Javadoc.on(ctx.matrix(colT, positions, taps), "The transpose of " + col + "."));
      f.add(Javadoc.on(ctx.buffer(tapRow, taps),
          "One channel's weight gradient being summed."));
    }
    if (dcol != null) {
      f.add(Javadoc.on(ctx.matrix(deltaRows, out.channels(), positions), conv.name()
          + "'s delta, one row per channel."));
      f.add(Javadoc.on(ctx.matrix(dcol, taps, positions), "The input delta's columns of "
          + conv.name() + " before col2im: [tap][position]."));
    }
    return f;
  }

  @Override
  public void forward(CodeBlock.Builder c) {
    ArrayTypeName matrix = ArrayTypeName.of(ctx.array());
    c.addStatement("$T col = $N", matrix, col);
    CodeBlock.Builder copy = CodeBlock.builder();
    if (win.strideWidth() == 1) {
      // A tap column can lie wholly in the padding (x1 <= x0): nothing to copy then.
      copy.beginControlFlow("if (x0 < x1)")
          .addStatement("$T.arraycopy(x, xr + x0, ck, kr + x0, x1 - x0)", System.class)
          .endControlFlow();
      taps(c, "col", copy.build());
    } else {
      taps(c, "col", ConvGeometry.columns(win, "ck[kr + ox] = x[xr + ox * $L]"));
    }
    ctx.declareArray(c, "acc", row);
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.addStatement("$T.fill(acc, b[o])", Arrays.class);
    rows(c, taps, "k", positions, t -> "w[o * " + taps + " + k + " + t + "]",
        t -> "col[k + " + t + "]");
    c.addStatement("$T.arraycopy(acc, 0, z, o * $L, $L)", System.class, positions, positions);
    c.endControlFlow();
  }

  /**
   * δ's sum per channel in 8 independent partial sums: one running sum is a chain of dependent
   * adds, 12,544 long for the Fashion CNN's conv1 (≈ 12 µs per example).
   */
  @Override
  public void biasGradient(CodeBlock.Builder c, int channels, int plane) {
    int sums = 8;
    int chunked = plane / sums * sums;
    c.beginControlFlow("for (int o = 0; o < $L; o++)", channels);
    for (int k = 0; k < sums; k++) {
      c.addStatement("$T s$L = $L", ctx.scalar(), k, ctx.lit(0));
    }
    c.addStatement("int p = o * $L", plane);
    c.beginControlFlow("for (int end = p + $L; p < end; p += $L)", chunked, sums);
    for (int k = 0; k < sums; k++) {
      c.addStatement("s$L += d[p + $L]", k, k);
    }
    c.endControlFlow();
    c.beginControlFlow("for (int end = (o + 1) * $L; p < end; p++)", plane);
    c.addStatement("s0 += d[p]");
    c.endControlFlow();
    c.addStatement("gb[o] += ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))");
    c.endControlFlow();
  }

  @Override
  public void weightGradient(CodeBlock.Builder c) {
    ArrayTypeName matrix = ArrayTypeName.of(ctx.array());
    c.addStatement("$T col = $N", matrix, col);
    c.addStatement("$T ct = $N", matrix, colT);
    c.beginControlFlow("for (int k = 0; k < $L; k++)", taps);
    c.addStatement("$T ck = col[k]", ctx.array());
    c.beginControlFlow("for (int p = 0; p < $L; p++)", positions);
    c.addStatement("ct[p][k] = ck[p]");
    c.endControlFlow();
    c.endControlFlow();
    ctx.declareArray(c, "acc", tapRow);
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.addStatement("$T.fill(acc, $L)", Arrays.class, ctx.lit(0));
    rows(c, positions, "p", taps, t -> "d[o * " + positions + " + p + " + t + "]",
        t -> "ct[p + " + t + "]");
    c.beginControlFlow("for (int k = 0; k < $L; k++)", taps);
    c.addStatement("gw[o * $L + k] += acc[k]", taps);
    c.endControlFlow();
    c.endControlFlow();
  }

  @Override
  public void inputDelta(CodeBlock.Builder c) {
    ArrayTypeName matrix = ArrayTypeName.of(ctx.array());
    c.addStatement("$T dr = $N", matrix, deltaRows);
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.addStatement("$T.arraycopy(d, o * $L, dr[o], 0, $L)", System.class, positions, positions);
    c.endControlFlow();
    c.addStatement("$T dc = $N", matrix, dcol);
    c.beginControlFlow("for (int k = 0; k < $L; k++)", taps);
    c.addStatement("$T acc = dc[k]", ctx.array());
    c.addStatement("$T.fill(acc, $L)", Arrays.class, ctx.lit(0));
    rows(c, out.channels(), "o", positions, t -> "w[(o + " + t + ") * " + taps + " + k]",
        t -> "dr[o + " + t + "]");
    c.endControlFlow();
    c.addStatement("$T.fill(g, $L)", Arrays.class, ctx.lit(0));
    taps(c, "dc", ConvGeometry.columns(win, "g[xr + ox * $L] += ck[kr + ox]"));
  }

  @Override
  public String description() {
    return "im2col and GEMM rows";
  }

  /**
   * {@code acc[i] += Σ_t scale(t) · source(t)[i]} for i below {@code len}, summed over
   * {@code count} terms (loop variable {@code var}), {@value #TERMS} per pass and then one by
   * one; {@code scale} and {@code source} read {@code var} plus the term's number.
   */
  private void rows(CodeBlock.Builder c, int count, String var, int len,
      IntFunction<String> scale, IntFunction<String> source) {
    rowKernels.rowSums(c, count, TERMS, var, scale, source, "acc", String.valueOf(len));
  }

  /**
   * {@link ConvGeometry#taps} with {@code ck} the tap's row of {@code matrix} and {@code kr} the
   * output row's start in it.
   */
  private void taps(CodeBlock.Builder c, String matrix, CodeBlock columns) {
    ConvGeometry.taps(c, in, out, win,
        CodeBlock.of("$T ck = $L[(ci * $L + ki) * $L + kj];\n", ctx.array(), matrix,
            win.kernelHeight(), win.kernelWidth()),
        CodeBlock.of("int kr = oy * $L;\n", out.width()), columns);
  }
}
