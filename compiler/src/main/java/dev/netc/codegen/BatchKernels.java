package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import java.util.Arrays;
import javax.lang.model.element.Modifier;

/**
 * Emits the Vector API backend's three per-layer methods of the mini-batch path (the scalar
 * backend's are {@link ScalarBatchKernels}), each over a chunk of {@code m <= CHUNK} examples,
 * batch-major: forward ({@code Z = W X + b}, then activation and derivative in one pass),
 * weight gradient ({@code ∂W += Δ Xᵀ}, {@code ∂b += Σ Δ}) and back-propagation ({@code Δ_prev =
 * (Δ W) ⊙ σ'}). Layouts and tile sizes come from {@link CodegenPolicy}; inner loops from
 * {@link Loops}.
 */
final class BatchKernels {
  private final EmitContext ctx;
  private final Loops loops;

  BatchKernels(EmitContext ctx, Loops loops) {
    this.ctx = ctx;
    this.loops = loops;
  }

  private boolean last(int index) {
    return index == ctx.network().layers().size() - 1;
  }

  /**
   * Forward pass of layer {@code index} over {@code m} examples: dot-product tiles read {@code x}
   * at {@code xOff} (the caller's array for layer 0).
   */
  MethodSpec forward(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    Names.BatchNames bn = ctx.names().batch(index);
    int in = layer.inSize();
    int out = layer.outSize();
    CodeBlock.Builder c = CodeBlock.builder();
    declare(c, "w", n.weight());
    declare(c, "b", n.bias());
    MethodSpec.Builder m = MethodSpec.methodBuilder(bn.forward())
        .addModifiers(Modifier.PRIVATE);
    m.addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff");
    m.addJavadoc("Layer $L forward over m examples, batch-major: tiles of $L rows × $L examples "
        + "of vector dot products.\n", Javadoc.escape(layer.name()), Math.min(4, out),
        FORWARD_EXAMPLES);
    vectorForward(c, index, in, out);
    return m.addParameter(TypeName.INT, "m").addCode(c.build()).build();
  }

  /**
   * Examples of a forward tile. Each tile streams its rows' weights once, so 4 examples read the
   * weights half as often as 2 did; 4 rows × 4 examples are 16 vector accumulators plus 8 loaded
   * vectors, within AVX-512's 32 registers. Measured on the Fashion-MNIST MLP (2 cores, batch 32
   * on 2 threads): the 784×256 forward was the hottest method with 2 examples per tile.
   */
  static final int FORWARD_EXAMPLES = 4;

  private void vectorForward(CodeBlock.Builder c, int index, int in, int out) {
    int rows = Math.min(4, out);
    int rowsTiled = out / rows * rows;
    c.addStatement("int mt = m / $L * $L", FORWARD_EXAMPLES, FORWARD_EXAMPLES);
    c.beginControlFlow("for (int s0 = 0; s0 < mt; s0 += $L)", FORWARD_EXAMPLES);
    vectorRows(c, index, rows, rowsTiled, FORWARD_EXAMPLES, in, out);
    c.endControlFlow();
    c.beginControlFlow("for (int s0 = mt; s0 < m; s0++)");
    vectorRows(c, index, rows, rowsTiled, 1, in, out);
    c.endControlFlow();
    activationPass(c, index, out);
  }

  private void vectorRows(CodeBlock.Builder c, int index, int rows, int rowsTiled, int cols,
      int in, int out) {
    c.beginControlFlow("for (int o = 0; o < $L; o += $L)", rowsTiled, rows);
    vectorTile(c, index, rows, cols, in);
    c.endControlFlow();
    if (rowsTiled < out) {
      c.beginControlFlow("for (int o = $L; o < $L; o++)", rowsTiled, out);
      vectorTile(c, index, 1, cols, in);
      c.endControlFlow();
    }
  }

  private void vectorTile(CodeBlock.Builder c, int index, int rows, int cols, int in) {
    loops.dotTile(c, rows, cols, "w", r -> "o * " + in + " + " + r * in, "x",
        u -> "xOff + (s0 + " + u + ") * " + in, in);
    int out = ctx.network().layers().get(index).outSize();
    String zs = last(index) ? ctx.names().batch(index).z() : ctx.names().batch(index).act();
    for (int u = 0; u < cols; u++) {
      for (int r = 0; r < rows; r++) {
        c.addStatement("$N[(s0 + $L) * $L + o + $L] = s$L$L + b[o + $L]", zs, u, out, r, r, u, r);
      }
    }
  }

  /**
   * The activation and, for a hidden layer of a trainable network, σ'(z), as one elementwise pass
   * over the chunk after the tiles, which left z (bias included) in the activation buffer (or in
   * z for the output layer). Kept out of the tiles so that they stay small: C2 compiles the
   * kernels while the first epoch runs, and the 16 epilogues of a 4 × 4 tile made the forward
   * method the slowest to compile.
   */
  private void activationPass(CodeBlock.Builder c, int index, int out) {
    Layer layer = ctx.network().layers().get(index);
    Names.BatchNames bn = ctx.names().batch(index);
    Activation act = layer.activation();
    boolean derivative = ctx.trainable() && !last(index) && !(act instanceof Activation.Identity);
    if (last(index) ? !act.isElementwise() : act instanceof Activation.Identity) {
      return;
    }
    String zs = last(index) ? bn.z() : bn.act();
    c.beginControlFlow("for (int j = 0, end = m * $L; j < end; j++)", out);
    c.addStatement("$T zv = $N[j]", ctx.scalar(), zs);
    c.addStatement("$T av = $L", ctx.scalar(), ctx.value(act, "zv"));
    c.addStatement("$N[j] = av", bn.act());
    if (derivative) {
      c.addStatement("$N[j] = $L", bn.der(), ctx.derivative(act, "zv", "av"));
    }
    c.endControlFlow();
  }

  /** ∂W += Δᵀ X and ∂b += Σ Δ over the chunk; X batch-major at {@code x[xOff]}. */
  MethodSpec gradient(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    int in = layer.inSize();
    int out = layer.outSize();
    int rows = Math.min(ctx.policy().backwardRows(layer), out);
    int terms = ctx.policy().backwardInner(layer);
    CodeBlock.Builder c = CodeBlock.builder();
    declare(c, "gw", n.weightGrad());
    declare(c, "gb", n.biasGrad());
    declare(c, "d", ctx.names().batch(index).delta());
    c.addStatement("int mt = m / $L * $L", terms, terms);
    int rowsTiled = out / rows * rows;
    c.beginControlFlow("for (int o = 0; o < $L; o += $L)", rowsTiled, rows);
    gradientRows(c, rows, terms, in, out);
    c.endControlFlow();
    if (rowsTiled < out) {
      c.beginControlFlow("for (int o = $L; o < $L; o++)", rowsTiled, out);
      gradientRows(c, 1, terms, in, out);
      c.endControlFlow();
    }
    return MethodSpec.methodBuilder(ctx.names().batch(index).gradient())
        .addJavadoc("Layer $L: adds the chunk's delta^T x to the weight gradient, tiles of $L "
            + "rows × $L examples, inner loop over the inputs.\n", Javadoc.escape(layer.name()),
            rows, terms)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
        .addParameter(TypeName.INT, "m")
        .addCode(c.build())
        .build();
  }

  private void gradientRows(CodeBlock.Builder c, int rows, int terms, int in, int out) {
    c.addStatement("int go = o * $L", in);
    c.beginControlFlow("for (int s = 0; s < mt; s += $L)", terms);
    gradientTile(c, rows, terms, in, out);
    c.endControlFlow();
    c.beginControlFlow("for (int s = mt; s < m; s++)");
    gradientTile(c, rows, 1, in, out);
    c.endControlFlow();
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    for (int r = 0; r < rows; r++) {
      c.addStatement("gb[o + $L] += d[s * $L + o + $L]", r, out, r);
    }
    c.endControlFlow();
  }

  private void gradientTile(CodeBlock.Builder c, int rows, int terms, int in, int out) {
    c.addStatement("int xo = xOff + s * $L", in);
    loops.axpyTile(c, rows, terms, (r, u) -> "d[(s + " + u + ") * " + out + " + o + " + r + "]",
        "x", u -> "xo + " + u * in, "gw", r -> "go + " + r * in, "" + in);
  }

  /** Δ_prev = (Δ W) ⊙ σ'(z_prev) over the chunk, batch-major (index ≥ 1). */
  MethodSpec backprop(int index) {
    Layer layer = ctx.network().layers().get(index);
    Layer prev = ctx.network().layers().get(index - 1);
    Names.BatchNames pb = ctx.names().batch(index - 1);
    int in = layer.inSize();
    int out = layer.outSize();
    int rows = ctx.policy().backwardRows(layer);
    int terms = Math.min(ctx.policy().backwardInner(layer), out);
    CodeBlock.Builder c = CodeBlock.builder();
    declare(c, "w", ctx.names().layer(index).weight());
    declare(c, "d", ctx.names().batch(index).delta());
    declare(c, "g", pb.delta());
    c.addStatement("$T.fill(g, 0, m * $L, $L)", Arrays.class, in, ctx.lit(0));
    c.addStatement("int mt = m / $L * $L", rows, rows);
    c.beginControlFlow("for (int s = 0; s < mt; s += $L)", rows);
    backpropRows(c, rows, terms, in, out);
    c.endControlFlow();
    c.beginControlFlow("for (int s = mt; s < m; s++)");
    backpropRows(c, 1, terms, in, out);
    c.endControlFlow();
    if (!(prev.activation() instanceof Activation.Identity)) {
      declare(c, "der", pb.der());
      c.beginControlFlow("for (int j = 0, end = m * $L; j < end; j++)", in);
      c.addStatement("g[j] *= der[j]");
      c.endControlFlow();
    }
    return MethodSpec.methodBuilder(ctx.names().batch(index).backprop())
        .addJavadoc("Layer $L: delta of layer $L over the chunk, tiles of $L examples × $L rows, "
            + "inner loop over the inputs.\n", Javadoc.escape(layer.name()),
            Javadoc.escape(prev.name()), rows, terms)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "m")
        .addCode(c.build())
        .build();
  }

  private void backpropRows(CodeBlock.Builder c, int rows, int terms, int in, int out) {
    c.addStatement("int go = s * $L", in);
    int tiled = out / terms * terms;
    c.beginControlFlow("for (int o = 0; o < $L; o += $L)", tiled, terms);
    backpropTile(c, rows, terms, in, out);
    c.endControlFlow();
    if (tiled < out) {
      c.beginControlFlow("for (int o = $L; o < $L; o++)", tiled, out);
      backpropTile(c, rows, 1, in, out);
      c.endControlFlow();
    }
  }

  private void backpropTile(CodeBlock.Builder c, int rows, int terms, int in, int out) {
    c.addStatement("int k = o * $L", in);
    loops.axpyTile(c, rows, terms, (r, u) -> "d[(s + " + r + ") * " + out + " + o + " + u + "]",
        "w", u -> "k + " + u * in, "g", r -> "go + " + r * in, "" + in);
  }

  private void declare(CodeBlock.Builder c, String local, String field) {
    c.addStatement("$T $L = $N", ctx.array(), local, field);
  }
}
