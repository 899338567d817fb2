package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import java.util.Arrays;
import java.util.function.IntFunction;
import javax.lang.model.element.Modifier;

/**
 * The scalar backend's per-layer mini-batch methods, shaped for C2's auto-vectorizer. Measured on
 * JDK 17: C2 vectorizes {@code d[j] += c0 * x0[j] + ... + c3 * x3[j]} (one destination, several
 * sources, every array indexed by the loop variable alone), but neither a loop whose arrays carry
 * different loop-invariant offsets (it cannot rule out overlap) nor one storing to two
 * destinations. So the chunk's buffers are matrices of row arrays, and every inner loop has one
 * destination row and {@link CodegenPolicy#forwardInputs} (or backward inner) source rows:
 *
 * <ul>
 *   <li>forward, feature-major: {@code zᵀ_o += Σ_u W[o][i+u] xᵀ_(i+u)} over the examples;
 *   <li>back-propagation, feature-major: {@code δᵀ_prev,i += Σ_u W[o+u][i] δᵀ_(o+u)}, then
 *       {@code ⊙ σ'ᵀ_i};
 *   <li>weight gradient, batch-major: a scratch row {@code acc += Σ_u δ[s+u][o] x_(s+u)} over the
 *       inputs, added to the flat gradient once per row and chunk.
 * </ul>
 */
final class ScalarBatchKernels implements BatchKernels {
  private static final int TERMS = CodegenPolicy.SCALAR_BACKWARD_TERMS;

  private final EmitContext ctx;

  ScalarBatchKernels(EmitContext ctx) {
    this.ctx = ctx;
  }

  /** Forward pass of layer {@code index} over {@code m} examples, epilogue fused per row. */
  @Override
  public MethodSpec forward(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    Names.BatchNames bn = ctx.names().batch(index);
    int in = layer.inSize();
    int out = layer.outSize();
    int terms = Math.min(ctx.policy().forwardInputs(layer), TERMS);
    Activation act = layer.activation();
    CodeBlock.Builder c = CodeBlock.builder();
    declare(c, "w", n.weight(), false);
    declare(c, "b", n.bias(), false);
    declare(c, "xt", index == 0 ? "xT" : ctx.names().batch(index - 1).actT(), true);
    declare(c, "zt", bn.actT(), true);
    if (ctx.isOutput(index)) {
      declare(c, "z", bn.z(), false);
      if (act.isElementwise()) {
        declare(c, "a", bn.act(), false);
      }
    } else {
      declare(c, "a", bn.act(), true);
      if (hasDer(index)) {
        declare(c, "der", bn.der(), true);
      }
    }
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out);
    c.addStatement("$T zr = zt[o]", ctx.array());
    c.addStatement("$T.fill(zr, 0, m, b[o])", Arrays.class);
    c.addStatement("int k = o * $L", in);
    rowSums(c, in, terms, "i", u -> "w[k + i + " + u + "]", u -> "xt[i + " + u + "]", "zr");
    if (hasDer(index)) {
      c.addStatement("$T dr = der[o]", ctx.array());
    }
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    c.addStatement("$T zv = zr[s]", ctx.scalar());
    if (ctx.isOutput(index)) {
      c.addStatement("z[s * $L + o] = zv", out);
      if (act.isElementwise()) {
        c.addStatement("a[s * $L + o] = $L", out, ctx.value(act, "zv"));
      }
    } else {
      c.addStatement("$T av = $L", ctx.scalar(), ctx.value(act, "zv"));
      c.addStatement("zr[s] = av");
      c.addStatement("a[s][o] = av");
      if (hasDer(index)) {
        c.addStatement("dr[s] = $L", ctx.derivative(act, "zv", "av"));
      }
    }
    c.endControlFlow();
    c.endControlFlow();
    return MethodSpec.methodBuilder(bn.forward())
        .addJavadoc("Layer $L forward over m examples, feature-major, $L inputs per pass over a "
            + "row of z; bias, activation and derivative fused.\n",
            Javadoc.escape(layer.name()), terms)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "m")
        .addCode(c.build())
        .build();
  }

  /** True if layer {@code index} stores σ'(z) for back-propagation. */
  boolean hasDer(int index) {
    Layer l = ctx.network().layers().get(index);
    return ctx.trainable() && !ctx.isOutput(index) && !(l.activation() instanceof Activation.Identity);
  }

  /**
   * {@code dst[j] += Σ_u coef(u) * src(u)[j]} for {@code j < m}, over {@code count} terms indexed
   * by {@code var}, {@code terms} at a time, then one at a time.
   */
  private void rowSums(CodeBlock.Builder c, int count, int terms, String var,
      IntFunction<String> coef, IntFunction<String> src, String dst) {
    rowSums(c, count, terms, var, coef, src, dst, "m");
  }

  /** {@link #rowSums} for {@code j < len} (also conv2d's per-example GEMM rows). */
  void rowSums(CodeBlock.Builder c, int count, int terms, String var, IntFunction<String> coef,
      IntFunction<String> src, String dst, String len) {
    int tiled = count / terms * terms;
    if (tiled > 0) {
      c.beginControlFlow("for (int $L = 0; $L < $L; $L += $L)", var, var, tiled, var, terms);
      rowTile(c, terms, coef, src, dst, len);
      c.endControlFlow();
    }
    if (tiled < count) {
      c.beginControlFlow("for (int $L = $L; $L < $L; $L++)", var, tiled, var, count, var);
      rowTile(c, 1, coef, src, dst, len);
      c.endControlFlow();
    }
  }

  private void rowTile(CodeBlock.Builder c, int terms, IntFunction<String> coef,
      IntFunction<String> src, String dst, String len) {
    CodeBlock.Builder sum = CodeBlock.builder().add("$L[j] +=", dst);
    for (int u = 0; u < terms; u++) {
      c.addStatement("$T c$L = $L", ctx.scalar(), u, coef.apply(u));
      c.addStatement("$T x$L = $L", ctx.array(), u, src.apply(u));
      sum.add(u == 0 ? " c$L * x$L[j]" : "$W+ c$L * x$L[j]", u, u);
    }
    c.beginControlFlow("for (int j = 0; j < $L; j++)", len);
    c.addStatement(sum.build());
    c.endControlFlow();
  }

  /** ∂W += δᵀ X and ∂b += Σ δ over the chunk; X batch-major rows {@code x[s]}. */
  @Override
  public MethodSpec gradient(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    int in = layer.inSize();
    int out = layer.outSize();
    CodeBlock.Builder c = CodeBlock.builder();
    declare(c, "gw", n.weightGrad(), false);
    declare(c, "gb", n.biasGrad(), false);
    declare(c, "d", ctx.names().batch(index).delta(), true);
    declare(c, "x", index == 0 ? "xRows" : ctx.names().batch(index - 1).act(), true);
    declare(c, "acc", "rowAcc", false);
    c.addStatement("int mt = m / $L * $L", TERMS, TERMS);
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out);
    c.addStatement("$T dr = d[o]", ctx.array());
    c.addStatement("$T.fill(acc, 0, $L, $L)", Arrays.class, in, ctx.lit(0));
    c.beginControlFlow("for (int s = 0; s < mt; s += $L)", TERMS);
    rowTile(c, TERMS, u -> "dr[s + " + u + "]", u -> "x[s + " + u + "]", "acc", "" + in);
    c.endControlFlow();
    c.beginControlFlow("for (int s = mt; s < m; s++)");
    rowTile(c, 1, u -> "dr[s]", u -> "x[s]", "acc", "" + in);
    c.endControlFlow();
    c.addStatement("int go = o * $L", in);
    c.beginControlFlow("for (int j = 0; j < $L; j++)", in);
    c.addStatement("gw[go + j] += acc[j]");
    c.endControlFlow();
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    c.addStatement("gb[o] += dr[s]");
    c.endControlFlow();
    c.endControlFlow();
    return MethodSpec.methodBuilder(ctx.names().batch(index).gradient())
        .addJavadoc("Layer $L: adds the chunk's delta^T x to the weight gradient, $L examples "
            + "per pass over a scratch row.\n", Javadoc.escape(layer.name()), TERMS)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "m")
        .addCode(c.build())
        .build();
  }

  /** δᵀ_prev = (Wᵀ δᵀ) ⊙ σ'ᵀ over the chunk, feature-major (index ≥ 1). */
  @Override
  public MethodSpec backprop(int index) {
    Layer layer = ctx.network().layers().get(index);
    Layer prev = ctx.network().layers().get(index - 1);
    int in = layer.inSize();
    int out = layer.outSize();
    int terms = Math.min(TERMS, out);
    CodeBlock.Builder c = CodeBlock.builder();
    declare(c, "w", ctx.names().layer(index).weight(), false);
    declare(c, "d", ctx.names().batch(index).delta(), true);
    declare(c, "g", ctx.names().batch(index - 1).delta(), true);
    boolean der = hasDer(index - 1);
    if (der) {
      declare(c, "der", ctx.names().batch(index - 1).der(), true);
    }
    c.beginControlFlow("for (int i = 0; i < $L; i++)", in);
    c.addStatement("$T gr = g[i]", ctx.array());
    c.addStatement("$T.fill(gr, 0, m, $L)", Arrays.class, ctx.lit(0));
    rowSums(c, out, terms, "o", u -> "w[(o + " + u + ") * " + in + " + i]", u -> "d[o + " + u
        + "]", "gr");
    if (der) {
      c.addStatement("$T dr = der[i]", ctx.array());
      c.beginControlFlow("for (int j = 0; j < m; j++)");
      c.addStatement("gr[j] *= dr[j]");
      c.endControlFlow();
    }
    c.endControlFlow();
    return MethodSpec.methodBuilder(ctx.names().batch(index).backprop())
        .addJavadoc("Layer $L: delta of layer $L over the chunk, feature-major, $L rows per pass."
            + "\n", Javadoc.escape(layer.name()), Javadoc.escape(prev.name()), terms)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "m")
        .addCode(c.build())
        .build();
  }

  private void declare(CodeBlock.Builder c, String local, String field, boolean matrix) {
    c.addStatement("$T $L = $N", matrix ? com.palantir.javapoet.ArrayTypeName.of(ctx.array())
        : ctx.array(), local, field);
  }
}
