package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntFunction;
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

  /**
   * The register tiles (forward dot products, ∂W and Δ tiles) as small static methods shared by
   * every layer (strides are parameters), emitted once each: C1 ran out of registers on a layer
   * method that held its tiles inline (and HotSpot then never compiled it with C2, so the Vector
   * API boxed every vector), and fewer, smaller methods compile sooner while the first epoch runs.
   */
  private final Map<String, MethodSpec> tiles = new LinkedHashMap<>();

  BatchKernels(EmitContext ctx, Loops loops) {
    this.ctx = ctx;
    this.loops = loops;
  }

  /** The shared tile methods the layer kernels emitted so far call. */
  List<MethodSpec> tileMethods() {
    return List.copyOf(tiles.values());
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
    ctx.declareArray(c, "w", n.weight());
    ctx.declareArray(c, "b", n.bias());
    MethodSpec.Builder m = MethodSpec.methodBuilder(bn.forward())
        .addModifiers(Modifier.PRIVATE);
    m.addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff");
    m.addJavadoc("Layer $L forward over m examples, batch-major: tiles of $L rows × $L examples "
        + "of vector dot products.\n", Javadoc.escape(layer.name()), ctx.policy().forwardRows(layer),
        CodegenPolicy.VECTOR_FORWARD_EXAMPLES);
    vectorForward(c, index, in, out);
    return m.addParameter(TypeName.INT, "m").addCode(c.build()).build();
  }

  private void vectorForward(CodeBlock.Builder c, int index, int in, int out) {
    int rows = ctx.policy().forwardRows(ctx.network().layers().get(index));
    int rowsTiled = out / rows * rows;
    c.addStatement("int mt = m / $L * $L", CodegenPolicy.VECTOR_FORWARD_EXAMPLES, CodegenPolicy.VECTOR_FORWARD_EXAMPLES);
    c.beginControlFlow("for (int s0 = 0; s0 < mt; s0 += $L)", CodegenPolicy.VECTOR_FORWARD_EXAMPLES);
    vectorRows(c, index, rows, rowsTiled, CodegenPolicy.VECTOR_FORWARD_EXAMPLES, in, out);
    c.endControlFlow();
    c.beginControlFlow("for (int s0 = mt; s0 < m; s0++)");
    vectorRows(c, index, rows, rowsTiled, 1, in, out);
    c.endControlFlow();
    activationPass(c, index, out);
  }

  private void vectorRows(CodeBlock.Builder c, int index, int rows, int rowsTiled, int cols,
      int in, int out) {
    String zs = ctx.isOutput(index) ? ctx.names().batch(index).z() : ctx.names().batch(index).act();
    String call = "$N(w, o * " + in + ", x, xOff + s0 * " + in + ", " + in + ", b, o, " + zs
        + ", s0 * " + out + " + o, " + out + ")";
    c.beginControlFlow("for (int o = 0; o < $L; o += $L)", rowsTiled, rows);
    c.addStatement(call, forwardTile(rows, cols));
    c.endControlFlow();
    if (rowsTiled < out) {
      c.beginControlFlow("for (int o = $L; o < $L; o++)", rowsTiled, out);
      c.addStatement(call, forwardTile(1, cols));
      c.endControlFlow();
    }
  }

  /**
   * The forward tile of {@code rows} output rows × {@code cols} examples: vector dot products
   * reduced once, plus the bias, written as z batch-major. Returns its method's name.
   */
  private String forwardTile(int rows, int cols) {
    return tile("forwardTile" + rows + "x" + cols, name -> forwardTileMethod(name, rows, cols));
  }

  private MethodSpec forwardTileMethod(String name, int rows, int cols) {
    CodeBlock.Builder c = CodeBlock.builder();
    loops.dotTile(c, rows, cols, "w", r -> "wOff + " + r + " * len", "x",
        u -> "xOff + " + u + " * len", "len");
    for (int u = 0; u < cols; u++) {
      for (int r = 0; r < rows; r++) {
        c.addStatement("z[zOff + $L * ldz + $L] = s$L$L + b[bOff + $L]", u, r, r, u, r);
      }
    }
    return MethodSpec.methodBuilder(name)
        .addJavadoc("$L rows × $L examples of a layer's z: z[zOff + u * ldz + r] = w[wOff + r * len "
            + "..] · x[xOff + u * len ..]\n+ b[bOff + r], as vector dot products of length len.\n",
            rows, cols)
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(ctx.array(), "w").addParameter(TypeName.INT, "wOff")
        .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
        .addParameter(TypeName.INT, "len")
        .addParameter(ctx.array(), "b").addParameter(TypeName.INT, "bOff")
        .addParameter(ctx.array(), "z").addParameter(TypeName.INT, "zOff")
        .addParameter(TypeName.INT, "ldz")
        .addCode(c.build())
        .build();
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
    boolean derivative = ctx.trainable() && !ctx.isOutput(index) && !(act instanceof Activation.Identity);
    if (ctx.isOutput(index) ? !act.isElementwise() : act instanceof Activation.Identity) {
      return;
    }
    String zs = ctx.isOutput(index) ? bn.z() : bn.act();
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
    int rows = Math.min(CodegenPolicy.VECTOR_TILE_ROWS, out);
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "gw", n.weightGrad());
    ctx.declareArray(c, "gb", n.biasGrad());
    ctx.declareArray(c, "d", ctx.names().batch(index).delta());
    c.addStatement("int bound = SPECIES.loopBound($L)", in);
    int rowsTiled = out / rows * rows;
    c.beginControlFlow("for (int o = 0; o < $L; o += $L)", rowsTiled, rows);
    gradientRows(c, rows, in, out);
    c.endControlFlow();
    if (rowsTiled < out) {
      c.beginControlFlow("for (int o = $L; o < $L; o++)", rowsTiled, out);
      gradientRows(c, 1, in, out);
      c.endControlFlow();
    }
    return MethodSpec.methodBuilder(ctx.names().batch(index).gradient())
        .addJavadoc("Layer $L: adds the chunk's delta^T x to the weight gradient, register tiles "
            + "of $L rows × $L vectors\nsummed over the chunk's examples.\n",
            Javadoc.escape(layer.name()), rows, CodegenPolicy.VECTOR_TILE_VECTORS)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
        .addParameter(TypeName.INT, "m")
        .addCode(c.build())
        .build();
  }

  /** Rows o .. o + rows - 1 of ∂W and ∂b: vector tiles, then a scalar tail over the inputs. */
  private void gradientRows(CodeBlock.Builder c, int rows, int in, int out) {
    c.addStatement("int go = o * $L", in);
    c.addStatement("int j = 0");
    c.beginControlFlow("for (; j + $L * LANES <= bound; j += $L * LANES)", CodegenPolicy.VECTOR_TILE_VECTORS,
        CodegenPolicy.VECTOR_TILE_VECTORS);
    c.addStatement("$N(x, xOff + j, $L, d, o, $L, gw, go + j, $L, m)",
        gradientTile(rows, CodegenPolicy.VECTOR_TILE_VECTORS), in, out, in);
    c.endControlFlow();
    c.beginControlFlow("for (; j < bound; j += LANES)");
    c.addStatement("$N(x, xOff + j, $L, d, o, $L, gw, go + j, $L, m)", gradientTile(rows, 1), in,
        out, in);
    c.endControlFlow();
    c.beginControlFlow("for (; j < $L; j++)", in);
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T t$L = $L", ctx.scalar(), r, ctx.lit(0));
    }
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    c.addStatement("$T xj = x[xOff + s * $L + j]", ctx.scalar(), in);
    for (int r = 0; r < rows; r++) {
      c.addStatement("t$L += d[s * $L + o + $L] * xj", r, out, r);
    }
    c.endControlFlow();
    for (int r = 0; r < rows; r++) {
      c.addStatement("gw[go + $L + j] += t$L", r * in, r);
    }
    c.endControlFlow();
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    for (int r = 0; r < rows; r++) {
      c.addStatement("gb[o + $L] += d[s * $L + o + $L]", r, out, r);
    }
    c.endControlFlow();
  }

  /**
   * The ∂W tile of {@code rows} rows × {@code vecs} vectors: sums over the m examples in
   * registers, then adds to {@code gw} once. Returns its method's name.
   */
  private String gradientTile(int rows, int vecs) {
    return tile("gradientTile" + rows + "x" + vecs, name -> {
      CodeBlock.Builder c = CodeBlock.builder();
      zeroAccumulators(c, rows, vecs);
      c.beginControlFlow("for (int s = 0; s < m; s++)");
      accumulate(c, rows, vecs, "x", "xOff + s * ldx", "int ds = dOff + s * ldd",
          r -> "d[ds + " + r + "]");
      c.endControlFlow();
      ClassName v = loops.vectorType();
      for (int r = 0; r < rows; r++) {
        for (int u = 0; u < vecs; u++) {
          String at = "gOff + " + r + " * ldw" + lanes(u);
          c.addStatement("$T.fromArray(SPECIES, gw, $L).add(a$L$L).intoArray(gw, $L)", v, at, r,
              u, at);
        }
      }
      return MethodSpec.methodBuilder(name)
          .addJavadoc("$L rows × $L vectors of a weight gradient: gw[gOff + r * ldw + k] += "
              + "Σ_s d[dOff + s * ldd + r] ·\nx[xOff + s * ldx + k] over the m examples, summed "
              + "in registers (k within the tile's vectors).\n", rows, vecs)
          .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
          .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
          .addParameter(TypeName.INT, "ldx")
          .addParameter(ctx.array(), "d").addParameter(TypeName.INT, "dOff")
          .addParameter(TypeName.INT, "ldd")
          .addParameter(ctx.array(), "gw").addParameter(TypeName.INT, "gOff")
          .addParameter(TypeName.INT, "ldw").addParameter(TypeName.INT, "m")
          .addCode(c.build())
          .build();
    });
  }

  /**
   * Δ_prev = (Δ W) ⊙ σ'(z_prev) over the chunk, batch-major (index ≥ 1): register tiles of
   * examples × vectors summed over this layer's outputs in order, then multiplied by σ' and
   * stored once.
   */
  MethodSpec backprop(int index) {
    Layer layer = ctx.network().layers().get(index);
    Layer prev = ctx.network().layers().get(index - 1);
    Names.BatchNames pb = ctx.names().batch(index - 1);
    int in = layer.inSize();
    int out = layer.outSize();
    boolean derivative = !(prev.activation() instanceof Activation.Identity);
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "w", ctx.names().layer(index).weight());
    ctx.declareArray(c, "d", ctx.names().batch(index).delta());
    ctx.declareArray(c, "g", pb.delta());
    if (derivative) {
      ctx.declareArray(c, "der", pb.der());
    }
    c.addStatement("int bound = SPECIES.loopBound($L)", in);
    c.addStatement("int mt = m / $L * $L", CodegenPolicy.VECTOR_TILE_ROWS, CodegenPolicy.VECTOR_TILE_ROWS);
    c.beginControlFlow("for (int s = 0; s < mt; s += $L)", CodegenPolicy.VECTOR_TILE_ROWS);
    backpropRows(c, CodegenPolicy.VECTOR_TILE_ROWS, in, out, derivative);
    c.endControlFlow();
    c.beginControlFlow("for (int s = mt; s < m; s++)");
    backpropRows(c, 1, in, out, derivative);
    c.endControlFlow();
    return MethodSpec.methodBuilder(ctx.names().batch(index).backprop())
        .addJavadoc("Layer $L: delta of layer $L over the chunk, register tiles of $L examples × "
            + "$L vectors\nsummed over this layer's outputs.\n", Javadoc.escape(layer.name()),
            Javadoc.escape(prev.name()), CodegenPolicy.VECTOR_TILE_ROWS, CodegenPolicy.VECTOR_TILE_VECTORS)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "m")
        .addCode(c.build())
        .build();
  }

  /** Examples s .. s + rows - 1 of Δ_prev: vector tiles, then a scalar tail over the inputs. */
  private void backpropRows(CodeBlock.Builder c, int rows, int in, int out,
      boolean derivative) {
    String der = derivative ? "der" : "null";
    c.addStatement("int go = s * $L", in);
    c.addStatement("int j = 0");
    c.beginControlFlow("for (; j + $L * LANES <= bound; j += $L * LANES)", CodegenPolicy.VECTOR_TILE_VECTORS,
        CodegenPolicy.VECTOR_TILE_VECTORS);
    c.addStatement("$N(w, j, $L, d, s * $L, $L, $L, g, $L, go + j, $L)",
        backpropTile(rows, CodegenPolicy.VECTOR_TILE_VECTORS, derivative), in, out, out, out, der, in);
    c.endControlFlow();
    c.beginControlFlow("for (; j < bound; j += LANES)");
    c.addStatement("$N(w, j, $L, d, s * $L, $L, $L, g, $L, go + j, $L)",
        backpropTile(rows, 1, derivative), in, out, out, out, der, in);
    c.endControlFlow();
    c.beginControlFlow("for (; j < $L; j++)", in);
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T t$L = $L", ctx.scalar(), r, ctx.lit(0));
    }
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out);
    c.addStatement("$T wj = w[o * $L + j]", ctx.scalar(), in);
    for (int r = 0; r < rows; r++) {
      c.addStatement("t$L += d[(s + $L) * $L + o] * wj", r, r, out);
    }
    c.endControlFlow();
    for (int r = 0; r < rows; r++) {
      String at = "go + " + r * in + " + j";
      if (derivative) {
        c.addStatement("g[$L] = t$L * der[$L]", at, r, at);
      } else {
        c.addStatement("g[$L] = t$L", at, r);
      }
    }
    c.endControlFlow();
  }

  /**
   * The Δ_prev tile of {@code rows} examples × {@code vecs} vectors: sums over the n outputs in
   * registers, in order, then multiplies by σ' (if {@code derivative}) and stores once. Returns
   * its method's name.
   */
  private String backpropTile(int rows, int vecs, boolean derivative) {
    return tile("backpropTile" + rows + "x" + vecs + (derivative ? "" : "Linear"), name -> {
      CodeBlock.Builder c = CodeBlock.builder();
      zeroAccumulators(c, rows, vecs);
      c.beginControlFlow("for (int o = 0; o < n; o++)");
      accumulate(c, rows, vecs, "w", "wOff + o * ldw", null,
          r -> "d[dOff + " + r + " * ldd + o]");
      c.endControlFlow();
      ClassName v = loops.vectorType();
      for (int r = 0; r < rows; r++) {
        for (int u = 0; u < vecs; u++) {
          String at = "gOff + " + r + " * ldg" + lanes(u);
          if (derivative) {
            c.addStatement("a$L$L.mul($T.fromArray(SPECIES, der, $L)).intoArray(g, $L)", r, u, v,
                at, at);
          } else {
            c.addStatement("a$L$L.intoArray(g, $L)", r, u, at);
          }
        }
      }
      return MethodSpec.methodBuilder(name)
          .addJavadoc("$L examples × $L vectors of a back-propagated delta: g[gOff + r * ldg + k] "
              + "= Σ_o d[dOff + r * ldd + o] ·\nw[wOff + o * ldw + k] over o < n$L, summed in "
              + "registers (k within the tile's vectors).\n", rows, vecs,
              derivative ? ", times der[gOff + r * ldg + k]" : "")
          .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
          .addParameter(ctx.array(), "w").addParameter(TypeName.INT, "wOff")
          .addParameter(TypeName.INT, "ldw")
          .addParameter(ctx.array(), "d").addParameter(TypeName.INT, "dOff")
          .addParameter(TypeName.INT, "ldd").addParameter(TypeName.INT, "n")
          .addParameter(ctx.array(), "g").addParameter(ctx.array(), "der")
          .addParameter(TypeName.INT, "gOff").addParameter(TypeName.INT, "ldg")
          .addCode(c.build())
          .build();
    });
  }

  /**
   * The name of the shared tile method {@code key}, built by {@code build} (given the method's
   * name) the first time it is asked for.
   */
  private String tile(String key, Function<String, MethodSpec> build) {
    return tiles.computeIfAbsent(key, k -> build.apply(ctx.names().helper(k))).name();
  }

  /** Declares the accumulators {@code aRU} of a rows × vecs tile, zero. */
  private void zeroAccumulators(CodeBlock.Builder c, int rows, int vecs) {
    ClassName v = loops.vectorType();
    for (int r = 0; r < rows; r++) {
      for (int u = 0; u < vecs; u++) {
        c.addStatement("$T a$L$L = $T.zero(SPECIES)", v, r, u, v);
      }
    }
  }

  /**
   * One term of a tile's sum: loads {@code vecs} vectors of {@code array} at {@code base} (into
   * locals named after the array: {@code x0, x1, …}), runs {@code setup} (a statement, or null),
   * then for each row broadcasts {@code coef(r)} into {@code dR} and adds its products to the
   * row's accumulators.
   */
  private void accumulate(CodeBlock.Builder c, int rows, int vecs, String array, String base,
      String setup, IntFunction<String> coef) {
    ClassName v = loops.vectorType();
    c.addStatement("int $Lo = $L", array, base);
    for (int u = 0; u < vecs; u++) {
      c.addStatement("$T $L$L = $T.fromArray(SPECIES, $L, $Lo$L)", v, array, u, v, array, array,
          lanes(u));
    }
    if (setup != null) {
      c.addStatement(setup);
    }
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T d$L = $T.broadcast(SPECIES, $L)", v, r, v, coef.apply(r));
      for (int u = 0; u < vecs; u++) {
        c.addStatement("a$L$L = $L$L.fma(d$L, a$L$L)", r, u, array, u, r, r, u);
      }
    }
  }

  /** {@code " + u * LANES"}, or nothing for the first vector of a tile. */
  private static String lanes(int u) {
    return u == 0 ? "" : " + " + u + " * LANES";
  }
}
