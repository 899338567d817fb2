package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * Emits the Vector API backend's three per-layer methods of the mini-batch path (the scalar
 * backend's are {@link ScalarBatchKernels}), each over a chunk of {@code m <= CHUNK} examples,
 * batch-major: forward ({@code Z = W X + b} in column tiles over a feature-major copy of the
 * inputs, or in dot products; then activation and derivative in one pass),
 * weight gradient ({@code ∂W += Δ Xᵀ}, {@code ∂b += Σ Δ}) and back-propagation ({@code Δ_prev =
 * (Δ W) ⊙ σ'}). Layouts and tile sizes come from {@link CodegenPolicy}; the register
 * tiles from {@link VectorTiles}.
 */
final class VectorBatchKernels implements BatchKernels {
  /**
   * Weights (bytes) above which the one-example Δ_prev runs row-grouped: 256 KB. Measured on
   * the Intel Xeon host (`BackendTiming cnn --layers`): the Fashion CNN's 1568 × 128 layer (800
   * KB) 13.4 → 11.0 µs per example; LeNet-5's 256 × 120 layer (120 KB, read from L2 either
   * way) 1.64 → 1.72, so it keeps the tiles.
   */
  static final long GROUPED_ROWS_MIN_BYTES = 256 * 1024;

  private final EmitContext ctx;
  private final VectorLoops loops;
  private final VectorTiles tiles;

  VectorBatchKernels(EmitContext ctx, VectorLoops loops) {
    this.ctx = ctx;
    this.loops = loops;
    this.tiles = new VectorTiles(ctx, loops);
  }

  /** The tile methods the layer kernels emitted so far call (one per shape and strides). */
  @Override
  public List<MethodSpec> sharedMethods() {
    return tiles.methods();
  }

  /**
   * Forward pass of layer {@code index} over {@code m} examples, reading {@code x} at
   * {@code xOff} (the caller's array for layer 0): column tiles, or dot-product tiles under a
   * {@code -dot} plan and for chunks narrower than a vector.
   */
  @Override
  public MethodSpec forward(int index) {
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
    m.addJavadoc("Layer $L forward over m examples, batch-major, its output rows of part {@code "
        + "part} of {@code parts}:\ncolumn tiles of rows × vectors of examples over the inputs "
        + "that {@code $N} laid out,\nor tiles of $L rows × $L examples of vector dot products "
        + "(COLUMN_FORWARD false, or m < LANES).\n", Javadoc.escape(layer.name()), TRANSPOSE,
        ctx.policy().forwardRows(layer), CodegenPolicy.VECTOR_FORWARD_EXAMPLES);
    vectorForward(c, index, in, out);
    return m.addParameter(TypeName.INT, "m").addParameters(SPLIT).addCode(c.build()).build();
  }

  /**
   * The {@code (part, parts)} parameters of every batched kernel: the kernel does part {@code
   * part} of {@code parts} of its work (rows of a layer, examples of the chunk, inputs), so that
   * a {@link dev.netc.runtime.StepTeam} runs the parts side by side ({@link
   * BatchEmitter#splitMethods});
   * {@code 0, 1} is all of it. Parts start at {@code partStart}, a multiple of the tile height,
   * so that only the last part has the tail rows that the whole would have: every value is
   * computed by the same operations in the same order either way.
   */
  static final List<ParameterSpec> SPLIT = List.of(
      ParameterSpec.builder(TypeName.INT, "part").build(),
      ParameterSpec.builder(TypeName.INT, "parts").build());

  /**
   * Rows of a one-example pass's part are multiples of this ({@link OnlineEmitter}, {@link
   * PredictSplit}): 64 bytes of floats, so parts share at most the cache line of z where they meet.
   */
  static final int ROW_PART_ALIGN = 16;

  /**
   * The arguments {@code from, to} of this part's rows of {@code n} (locals {@code part, parts}),
   * in multiples of {@link #ROW_PART_ALIGN}.
   */
  static CodeBlock partRows(EmitContext ctx, int n) {
    String partStart = partStart(ctx);
    return CodeBlock.of("$N($L, $L, part, parts), $N($L, $L, part + 1, parts)", partStart, n,
        ROW_PART_ALIGN, partStart, n, ROW_PART_ALIGN);
  }

  /**
   * partStart(n, align, k, parts): where part k of parts of n items starts (n for k = parts),
   * rounded down to a multiple of align; added to the class on first use.
   */
  static String partStart(EmitContext ctx) {
    if (!ctx.helpers().has("partStart")) {
      ctx.helpers().add(partStartMethod());
    }
    return "partStart";
  }

  /**
   * The start of a part in the batched kernels: {@link BatchEmitter#BALANCED_START}, the team's
   * split by its threads' speeds, in a class that splits its steps over a team (each part's rows,
   * examples or parameters are its own whatever the split, so its bounds change no value's
   * bits); else the even {@link #partStart}. The one-example passes keep the even split: each
   * core keeps its half of the first layer in its L2 from one step to the next, and moving those
   * rows with the shares did not make the batch-1 step faster on the Zen 4 host (22.9k against
   * 22.7k, 19.5k against 29.7k samples/s: docs/performance.md).
   */
  static String balancedStart(EmitContext ctx) {
    return ctx.helpers().has(BatchEmitter.BALANCED_START) ? BatchEmitter.BALANCED_START
        : partStart(ctx);
  }

  private static MethodSpec partStartMethod() {
    return startMethod("partStart", "")
        .addModifiers(Modifier.STATIC)
        .addStatement("return k >= parts ? n : (int) ((long) n * k / parts) / align * align")
        .build();
  }

  /**
   * The private method {@code name(n, align, k, parts)} that returns where part k of parts of n
   * items starts, without its body; {@code split} ends its javadoc's sentence.
   */
  static MethodSpec.Builder startMethod(String name, String split) {
    return MethodSpec.methodBuilder(name)
        .addJavadoc("Where part k of {@code parts} of n items starts (n for k = parts), a multiple "
            + "of align$L.\n", split)
        .addModifiers(Modifier.PRIVATE)
        .returns(TypeName.INT)
        .addParameter(TypeName.INT, "n")
        .addParameter(TypeName.INT, "align")
        .addParameter(TypeName.INT, "k")
        .addParameter(TypeName.INT, "parts");
  }

  /** {@code from} and {@code to}: this part's share of n items in multiples of align. */
  private void partRange(CodeBlock.Builder c, String n, int align) {
    String start = balancedStart(ctx);
    c.addStatement("from = $N($L, $L, part, parts)", start, n, align);
    c.addStatement("to = $N($L, $L, part + 1, parts)", start, n, align);
  }

  private void vectorForward(CodeBlock.Builder c, int index, int in, int out) {
    // This part's rows; each tile form below sets them in multiples of its own height.
    c.addStatement("int from = 0");
    c.addStatement("int to = 0");
    c.beginControlFlow("if (COLUMN_FORWARD && m >= LANES)");
    columnForward(c, index, in, out);
    c.nextControlFlow("else");
    dotForward(c, index, in, out);
    c.endControlFlow();
    activationPass(c, index, out);
  }

  /** The shared method that lays out a layer's inputs for the column forward. */
  static final String TRANSPOSE = "transposeColumns";

  /**
   * The name of the method that transposes a layer's inputs of the chunk into {@code columnsIn}
   * for the column forward, adding it to the class on first use: {@code transposeColumns(x,
   * xOff, width, m, part, parts)} writes them feature-major ({@code mp} examples per row, the
   * padding lanes zero; {@link CodegenPolicy#VECTOR_TRANSPOSE_EXAMPLES} examples at a time, so
   * that each input's values land side by side rather than one store per cache line), the inputs
   * of part {@code part} of {@code parts}: parts of whole rows, which threads write without
   * sharing a cache line but at the ends (split by examples instead, two threads wrote the same
   * lines, and the phase took 57 µs instead of 8); nothing unless COLUMN_FORWARD and m ≥ LANES.
   * One method for all layers: the width as a parameter ran as fast as a constant.
   */
  String transposeColumns() {
    if (ctx.helpers().has(TRANSPOSE)) {
      return TRANSPOSE;
    }
    CodeBlock.Builder c = CodeBlock.builder();
    c.beginControlFlow("if (!COLUMN_FORWARD || m < LANES)");
    c.addStatement("return");
    c.endControlFlow();
    c.addStatement("int mp = (m + LANES - 1) / LANES * LANES");
    c.addStatement("$T xt = columnsIn", ctx.array());
    String start = balancedStart(ctx);
    c.addStatement("int from = $N(width, 1, part, parts)", start);
    c.addStatement("int to = $N(width, 1, part + 1, parts)", start);
    int block = CodegenPolicy.VECTOR_TRANSPOSE_EXAMPLES;
    c.addStatement("int sb = m / $L * $L", block, block);
    c.beginControlFlow("for (int s0 = 0; s0 < sb; s0 += $L)", block);
    c.addStatement("int xo = xOff + s0 * width");
    c.beginControlFlow("for (int i = from, t = s0 + from * mp; i < to; i++, t += mp)");
    c.addStatement("xt[t] = x[xo + i]");
    for (int e = 1; e < block; e++) {
      c.addStatement("xt[t + $L] = x[xo + $L * width + i]", e, e);
    }
    c.endControlFlow();
    c.endControlFlow();
    c.beginControlFlow("for (int s = sb; s < m; s++)");
    c.addStatement("int xo = xOff + s * width");
    c.beginControlFlow("for (int i = from; i < to; i++)");
    c.addStatement("xt[i * mp + s] = x[xo + i]");
    c.endControlFlow();
    c.endControlFlow();
    c.beginControlFlow("for (int s = m; s < mp; s++)");
    c.beginControlFlow("for (int i = from; i < to; i++)");
    c.addStatement("xt[i * mp + s] = $L", ctx.lit(0));
    c.endControlFlow();
    c.endControlFlow();
    ctx.helpers().add(MethodSpec.methodBuilder(TRANSPOSE)
        .addJavadoc("A layer's inputs of the chunk ({@code width} each) into {@code columnsIn}, "
            + "feature-major, for the\ncolumn forward (the inputs of part {@code part} of {@code "
            + "parts}); nothing unless COLUMN_FORWARD and m >= LANES.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
        .addParameter(TypeName.INT, "width").addParameter(TypeName.INT, "m")
        .addParameters(SPLIT)
        .addCode(c.build())
        .build());
    return TRANSPOSE;
  }

  /** Yes: the packed copies and the fresh ∂W tiles ({@link VectorTiles#gradient}). */
  @Override
  public boolean keepsChunkFlags() {
    return true;
  }

  /** packColumns of layer {@code index}'s inputs into its packed buffer, before its ∂W tiles. */
  @Override
  public CodeBlock gradientInputs(int index, CodeBlock x, String m, String split) {
    return CodeBlock.of("$N($L, $L, $L, $N, $L);\n", packColumns(), x,
        ctx.network().layers().get(index).inSize(), m, ctx.names().batch(index).packed(), split);
  }

  /** The shared method that copies a layer's inputs for the ∂W tiles. */
  static final String PACK = "packColumns";

  /**
   * The name of the method that copies a layer's inputs of the chunk for its ∂W tiles, adding
   * it to the class on first use: {@code packColumns(x, xOff, width, m, dst, part, parts)}
   * writes the columns of each tile-wide block of x (the tiles' vectors × LANES, the blocks of
   * {@code SPECIES.loopBound(width)}) example after example, block after block: {@code
   * dst[(kb * m + s) * cw + k] = x[xOff + s * width + kb * cw + k]}, the blocks of part {@code
   * part} of {@code parts}. A ∂W tile then reads one stream, a vector after the other, instead
   * of a line or two from each of m rows {@code width} apart (see {@link VectorTiles#gradient}).
   * It runs with the transposition for the forward pass, in the same phase of a split step.
   */
  String packColumns() {
    if (ctx.helpers().has(PACK)) {
      return PACK;
    }
    CodeBlock.Builder c = CodeBlock.builder();
    c.addStatement("int cw");
    loops.byRegisterTiles(c, t -> c.addStatement("cw = $L * LANES", t.tileVectors()));
    c.addStatement("int blocks = SPECIES.loopBound(width) / cw");
    String start = balancedStart(ctx);
    c.addStatement("int from = $N(blocks, 1, part, parts)", start);
    c.addStatement("int to = $N(blocks, 1, part + 1, parts)", start);
    ClassName v = loops.vectorType();
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    c.addStatement("int xo = xOff + s * width");
    c.beginControlFlow("for (int kb = from; kb < to; kb++)");
    c.addStatement("int at = (kb * m + s) * cw");
    c.beginControlFlow("for (int k = 0; k < cw; k += LANES)");
    c.addStatement("$T.fromArray(SPECIES, x, xo + kb * cw + k).intoArray(dst, at + k)", v);
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
    ctx.helpers().add(MethodSpec.methodBuilder(PACK)
        .addJavadoc("A layer's inputs of the chunk ({@code width} each) into {@code dst} for its "
            + "∂W tiles: each\ntile-wide block of columns, example after example (the blocks of "
            + "part {@code part} of {@code parts}).\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
        .addParameter(TypeName.INT, "width").addParameter(TypeName.INT, "m")
        .addParameter(ctx.array(), "dst")
        .addParameters(SPLIT)
        .addCode(c.build())
        .build());
    return PACK;
  }

  /** z of the chunk by dot-product tiles: rows × examples, each ending in a lane reduction. */
  private void dotForward(CodeBlock.Builder c, int index, int in, int out) {
    int rows = ctx.policy().forwardRows(ctx.network().layers().get(index));
    int rowsTiled = out / rows * rows;
    int examples = CodegenPolicy.VECTOR_FORWARD_EXAMPLES;
    partRange(c, String.valueOf(out), rows);
    c.addStatement("int mt = m / $L * $L", examples, examples);
    c.beginControlFlow("for (int s0 = 0; s0 < mt; s0 += $L)", examples);
    vectorRows(c, index, rows, rowsTiled, examples, in, out);
    c.endControlFlow();
    c.beginControlFlow("for (int s0 = mt; s0 < m; s0++)");
    vectorRows(c, index, rows, rowsTiled, 1, in, out);
    c.endControlFlow();
  }

  /**
   * z of the chunk by column tiles ({@link CodegenPolicy.RegisterTiles#columnRows}) over the
   * inputs that {@link #transposeColumns} put into {@code columnsIn}: tiles of rows × vectors of
   * examples into {@code columnsZ}, then z transposed back to the batch-major buffer the
   * activation pass reads (this part's rows).
   */
  private void columnForward(CodeBlock.Builder c, int index, int in, int out) {
    Names.BatchNames bn = ctx.names().batch(index);
    String zs = ctx.isOutput(index) ? bn.z() : bn.act();
    c.addStatement("int mp = (m + LANES - 1) / LANES * LANES");
    c.addStatement("$T xt = columnsIn", ctx.array());
    c.addStatement("$T zt = columnsZ", ctx.array());
    loops.byRegisterTiles(c, t -> {
      int vecs = t.columnVectors();
      c.addStatement("int vt = mp / ($L * LANES) * ($L * LANES)", vecs, vecs);
      int rows = Math.min(t.columnRows(), out);
      int rowsTiled = out / rows * rows;
      partRange(c, String.valueOf(out), rows);
      columnRows(c, rows, vecs, "from", "Math.min(to, " + rowsTiled + ")", in, out);
      if (rowsTiled < out) {
        // The tail rows, in one tile: only the last part reaches them.
        c.beginControlFlow("if (to > $L)", rowsTiled);
        columnRows(c, out - rowsTiled, vecs, String.valueOf(rowsTiled), String.valueOf(out), in,
            out);
        c.endControlFlow();
      }
    });
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    c.addStatement("int zo = s * $L", out);
    c.beginControlFlow("for (int o = from; o < to; o++)");
    c.addStatement("$N[zo + o] = zt[o * mp + s]", zs);
    c.endControlFlow();
    c.endControlFlow();
  }

  /**
   * True if a layer of {@code in} inputs and {@code out} outputs has tiles of its own, its
   * strides constants in them (see {@link VectorTiles}).
   */
  private static boolean constantStrides(int in, int out) {
    return (long) in * out >= VectorTiles.CONSTANT_STRIDE_WEIGHTS;
  }

  /**
   * Column tiles of {@code rows} rows × {@code vecs} vectors for the output rows {@code from} to
   * {@code to} - 1.
   */
  private void columnRows(CodeBlock.Builder c, int rows, int vecs, String from, String to,
      int in, int out) {
    boolean constant = constantStrides(in, out);
    String arguments = "w, o * " + in + ", xt, s0, mp, b, o, zt, o * mp + s0";
    c.beginControlFlow("for (int o = $L, end = $L; o < end; o += $L)", from, to, rows);
    c.beginControlFlow("for (int s0 = 0; s0 < vt; s0 += $L * LANES)", vecs);
    c.addStatement("$L", tiles.columns(rows, vecs, in, constant).call(arguments));
    c.endControlFlow();
    c.beginControlFlow("for (int s0 = vt; s0 < mp; s0 += LANES)");
    c.addStatement("$L", tiles.columns(rows, 1, in, constant).call(arguments));
    c.endControlFlow();
    c.endControlFlow();
  }

  private void vectorRows(CodeBlock.Builder c, int index, int rows, int rowsTiled, int cols,
      int in, int out) {
    Names.BatchNames bn = ctx.names().batch(index);
    String zs = ctx.isOutput(index) ? bn.z() : bn.act();
    boolean constant = constantStrides(in, out);
    String arguments = "w, o * " + in + ", x, xOff + s0 * " + in + ", b, o, " + zs + ", s0 * "
        + out + " + o";
    c.beginControlFlow("for (int o = from, end = Math.min(to, $L); o < end; o += $L)", rowsTiled,
        rows);
    c.addStatement("$L", tiles.forward(rows, cols, in, out, constant).call(arguments));
    c.endControlFlow();
    if (rowsTiled < out) {
      c.beginControlFlow("for (int o = $L; o < to; o++)", rowsTiled);
      c.addStatement("$L", tiles.forward(1, cols, in, out, constant).call(arguments));
      c.endControlFlow();
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
    Activation act = layer.activation();
    if (ctx.isOutput(index) ? !act.isElementwise() : act instanceof Activation.Identity) {
      return;
    }
    // All rows (one thread): one pass over the chunk. A part of the rows: its span of each
    // example's row, in the scalar form for tanh (the vector form's scratch is per instance;
    // both give the same bits).
    c.beginControlFlow("if (from == 0 && to == $L)", out);
    activationSpan(c, index, out, "0", "m * " + out, true);
    c.nextControlFlow("else");
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    activationSpan(c, index, out, "s * " + out + " + from", "s * " + out + " + to", false);
    c.endControlFlow();
    c.endControlFlow();
  }

  /** The activation pass over the values {@code start} to {@code end} - 1 of the chunk. */
  private void activationSpan(CodeBlock.Builder c, int index, int out, String start, String end,
      boolean shareable) {
    Layer layer = ctx.network().layers().get(index);
    Names.BatchNames bn = ctx.names().batch(index);
    Activation act = layer.activation();
    boolean derivative = ctx.trainable() && !ctx.isOutput(index)
        && !(act instanceof Activation.Identity);
    String zs = ctx.isOutput(index) ? bn.z() : bn.act();
    Optional<CodeBlock> range = shareable
        ? VectorTanh.range(ctx, act, zs, "0", bn.act(), "0", "m * " + out,
            ctx.policy().chunk() * out)
        : Optional.empty();
    if (range.isPresent()) {
      // σ in vectors over the chunk, then σ', which needs only a (tanh's 1 - a²).
      c.add(range.get());
      if (derivative) {
        c.beginControlFlow("for (int j = 0, end = m * $L; j < end; j++)", out);
        c.addStatement("$T av = $N[j]", ctx.scalar(), bn.act());
        c.addStatement("$N[j] = $L", bn.der(), ctx.derivative(act, "zv", "av"));
        c.endControlFlow();
      }
      return;
    }
    boolean relu = act instanceof Activation.Relu;
    if (relu) {
      c.addStatement("int j = $L", start);
      // σ(z) = z > 0 ? z : 0 and σ' = z > 0 ? 1 : 0 (NaN: 0, as the scalar form) by a mask: the
      // scalar loop branched on the sign of z, which random data mispredicts about every other
      // value (6.5 % of the Fashion MLP's batch-128 step).
      ClassName v = loops.vectorType();
      c.addStatement("$T zero = $T.zero(SPECIES)", v, v);
      if (derivative) {
        c.addStatement("$T one = $T.broadcast(SPECIES, $L)", v, v, ctx.lit(1));
      }
      c.beginControlFlow("for (int end = j + SPECIES.loopBound($L - j); j < end; j += LANES)",
          end);
      c.addStatement("$T zv = $T.fromArray(SPECIES, $N, j)", v, v, zs);
      c.addStatement("$T pos = zv.compare($T.GT, $L)", loops.maskType(),
          ClassName.get(VectorLoops.VECTOR_PACKAGE, "VectorOperators"), ctx.lit(0));
      c.addStatement("zero.blend(zv, pos).intoArray($N, j)", bn.act());
      if (derivative) {
        c.addStatement("zero.blend(one, pos).intoArray($N, j)", bn.der());
      }
      c.endControlFlow();
    }
    c.beginControlFlow(relu ? "for (int end = $L; j < end; j++)"
        : "for (int j = " + start + ", end = $L; j < end; j++)", end);
    c.addStatement("$T zv = $N[j]", ctx.scalar(), zs);
    c.addStatement("$T av = $L", ctx.scalar(), ctx.value(act, "zv"));
    c.addStatement("$N[j] = av", bn.act());
    if (derivative) {
      c.addStatement("$N[j] = $L", bn.der(), ctx.derivative(act, "zv", "av"));
    }
    c.endControlFlow();
  }

  /** ∂W += Δᵀ X and ∂b += Σ Δ over the chunk; X batch-major at {@code x[xOff]}. */
  @Override
  public MethodSpec gradient(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    int in = layer.inSize();
    int out = layer.outSize();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "gw", n.weightGrad());
    ctx.declareArray(c, "gb", n.biasGrad());
    ctx.declareArray(c, "d", ctx.names().batch(index).delta());
    ctx.declareArray(c, "xp", ctx.names().batch(index).packed());
    // Only trainBatch's chunks start from a zeroed gradient (not a per-example class's).
    boolean freshTiles = ctx.policy().batched(ctx.network());
    if (freshTiles) {
      c.addStatement("boolean fresh = gradientFresh");
    }
    c.addStatement("int bound = SPECIES.loopBound($L)", in);
    loops.byRegisterTiles(c, t -> {
      int rows = Math.min(t.tileRows(), out);
      int rowsTiled = out / rows * rows;
      String start = balancedStart(ctx);
      c.addStatement("int from = $N($L, $L, part, parts)", start, out, rows);
      c.addStatement("int to = $N($L, $L, part + 1, parts)", start, out, rows);
      c.beginControlFlow("for (int o = from, end = Math.min(to, $L); o < end; o += $L)",
          rowsTiled, rows);
      gradientRows(c, rows, t.tileVectors(), in, out, freshTiles);
      c.endControlFlow();
      if (rowsTiled < out) {
        c.beginControlFlow("for (int o = $L; o < to; o++)", rowsTiled);
        gradientRows(c, 1, t.tileVectors(), in, out, freshTiles);
        c.endControlFlow();
      }
    });
    return MethodSpec.methodBuilder(ctx.names().batch(index).gradient())
        .addJavadoc("Layer $L: adds the chunk's delta^T x to the weight gradient, register tiles "
            + "of rows × vectors\nsummed over the chunk's examples (the rows of part {@code "
            + "part} of {@code parts}).\n", Javadoc.escape(layer.name()))
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
        .addParameter(TypeName.INT, "m").addParameters(SPLIT)
        .addCode(c.build())
        .build();
  }

  /**
   * Rows o .. o + rows - 1 of ∂W and ∂b: vector tiles of {@code vecs} vectors, then a scalar tail
   * over the inputs.
   */
  private void gradientRows(CodeBlock.Builder c, int rows, int vecs, int in, int out,
      boolean freshTiles) {
    c.addStatement("int go = o * $L", in);
    c.addStatement("int j = 0");
    // The tiles' blocks of columns from the packed copy (packColumns), then single vectors and
    // single columns from x itself.
    c.beginControlFlow("for (int kb = 0; j + $L * LANES <= bound; j += $L * LANES, kb++)", vecs,
        vecs);
    boolean constant = constantStrides(in, out);
    String packedArguments = "xp, kb * m * " + vecs + " * LANES, d, o, gw, go + j, m";
    if (freshTiles) {
      c.beginControlFlow("if (fresh)");
      c.addStatement("$L", tiles.gradient(rows, vecs, in, out, in, constant, true, true)
          .call(packedArguments));
      c.nextControlFlow("else");
    }
    c.addStatement("$L", tiles.gradient(rows, vecs, in, out, in, constant, true, false)
        .call(packedArguments));
    if (freshTiles) {
      c.endControlFlow();
    }
    c.endControlFlow();
    singleColumns(c, rows, in, out, constant, "xOff", "", "go");
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    for (int r = 0; r < rows; r++) {
      c.addStatement("gb[o + $L] += d[s * $L + o + $L]", r, out, r);
    }
    c.endControlFlow();
  }

  /**
   * The batch size up to which a {@code trainBatch} defers the first layer's ∂W to one pass over
   * the batch, where its inputs fit in {@link #DEFERRED_MAX_FLOATS}: 128.
   */
  static final int DEFERRED_EXAMPLES = 128;

  /** The largest copy of the first layer's inputs kept for a deferred ∂W: 1 MB of floats. */
  static final long DEFERRED_MAX_FLOATS = 1 << 18;

  /** The buffers of the deferred ∂W: the batch's inputs packed, and its first layer's deltas. */
  static final String DEFERRED_INPUTS = "deferredInputs";

  static final String DEFERRED_DELTAS = "deferredDeltas";

  /**
   * {@link #DEFERRED_EXAMPLES} for a batched class whose first layer's inputs for that many
   * examples fit in {@link #DEFERRED_MAX_FLOATS}, 0 otherwise.
   *
   * <p>Why: with several chunks to a batch, every chunk's ∂W tiles of the first layer load the
   * gradient so far and store it again, 800 KB of the Fashion MLP's that no L2 of these hosts
   * holds beside the weights, and each tile's loop runs over one chunk's examples only. Summed
   * in one pass over the batch at its end instead, from a packed copy of the batch's inputs (the
   * caller's array is still there) and the deltas each chunk kept, the gradient is stored once.
   * The Zen 3 host's batch-128 step under its plan (chunks of 32) ran 5–11 % faster on one
   * thread and 5–7 % on two (best bursts, alternated in one JVM; docs/performance.md).
   */
  @Override
  public int deferredExamples() {
    int in = ctx.network().layers().get(0).inSize();
    boolean fits = (long) in * DEFERRED_EXAMPLES <= DEFERRED_MAX_FLOATS;
    return ctx.trainable() && ctx.policy().batched(ctx.network()) && fits
        ? DEFERRED_EXAMPLES : 0;
  }

  /**
   * The first layer's ∂W and ∂b over a batch of n examples: the packed tiles with the column
   * blocks outermost (one block of the packed inputs, n examples of a tile's width, stays in L1
   * while every row block sums over it), starting from zero (the gradient was zeroed); then the
   * single vectors and single columns, and the bias, chunk by chunk from x and the kept deltas,
   * as the chunks' passes add them: the same sums in the same order, the same bits.
   */
  @Override
  public MethodSpec deferredGradient() {
    Layer layer = ctx.network().layers().get(0);
    Names.LayerNames n = ctx.names().layer(0);
    int in = layer.inSize();
    int out = layer.outSize();
    boolean constant = constantStrides(in, out);
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "gw", n.weightGrad());
    ctx.declareArray(c, "gb", n.biasGrad());
    ctx.declareArray(c, "d", DEFERRED_DELTAS);
    ctx.declareArray(c, "xp", DEFERRED_INPUTS);
    c.addStatement("int bound = SPECIES.loopBound($L)", in);
    String start = balancedStart(ctx);
    loops.byRegisterTiles(c, t -> {
      int rows = Math.min(t.tileRows(), out);
      int vecs = t.tileVectors();
      int rowsTiled = out / rows * rows;
      // The blocks of packColumns' part: each part reads only what it packed.
      c.addStatement("int blocks = bound / ($L * LANES)", vecs);
      c.addStatement("int jt = blocks * $L * LANES", vecs);
      c.addStatement("int from = $N(blocks, 1, part, parts)", start);
      c.addStatement("int to = $N(blocks, 1, part + 1, parts)", start);
      c.beginControlFlow("for (int kb = from; kb < to; kb++)");
      c.addStatement("int jb = kb * $L * LANES", vecs);
      String packed = "xp, kb * n * " + vecs + " * LANES, d, o, gw, o * " + in + " + jb, n";
      c.beginControlFlow("for (int o = 0; o < $L; o += $L)", rowsTiled, rows);
      c.addStatement("$L", tiles.gradient(rows, vecs, in, out, in, constant, true, true)
          .call(packed));
      c.endControlFlow();
      if (rowsTiled < out) {
        c.beginControlFlow("for (int o = $L; o < $L; o++)", rowsTiled, out);
        c.addStatement("$L", tiles.gradient(1, vecs, in, out, in, constant, true, true)
            .call(packed));
        c.endControlFlow();
      }
      c.endControlFlow();
      c.beginControlFlow("if (part < parts - 1)");
      c.addStatement("return");
      c.endControlFlow();
      c.add("// The last part: the columns past the blocks, and the bias.\n");
      c.beginControlFlow("for (int e0 = 0; e0 < n; e0 += CHUNK)");
      c.addStatement("int m = Math.min(CHUNK, n - e0)");
      c.beginControlFlow("for (int o = 0; o < $L; o += $L)", rowsTiled, rows);
      deferredTails(c, rows, in, out, constant);
      c.endControlFlow();
      if (rowsTiled < out) {
        c.beginControlFlow("for (int o = $L; o < $L; o++)", rowsTiled, out);
        deferredTails(c, 1, in, out, constant);
        c.endControlFlow();
      }
      c.endControlFlow();
    });
    // ∂b: each sum over the examples in order, as the chunks add them.
    ClassName v = loops.vectorType();
    c.beginControlFlow("for (int s = 0; s < n; s++)");
    c.addStatement("int o = 0");
    c.beginControlFlow("for (int end = SPECIES.loopBound($L); o < end; o += LANES)", out);
    c.addStatement("$T.fromArray(SPECIES, gb, o).add($T.fromArray(SPECIES, d, s * $L + o))"
        + ".intoArray(gb, o)", v, v, out);
    c.endControlFlow();
    c.beginControlFlow("for (; o < $L; o++)", out);
    c.addStatement("gb[o] += d[s * $L + o]", out);
    c.endControlFlow();
    c.endControlFlow();
    return MethodSpec.methodBuilder(ctx.names().batch(0).deferredGradient())
        .addJavadoc("Layer $L's weight gradient over a whole batch of n examples (x: the "
            + "batch's inputs, batch-major),\nfrom the packed copy and the deltas its chunks "
            + "kept (see trainBatch).\n", Javadoc.escape(layer.name()))
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "n")
        .addParameters(SPLIT)
        .addCode(c.build())
        .build();
  }

  /** The shared method that keeps rows of a chunk buffer in a batch's. */
  static final String KEEP_ROWS = "keepRows";

  /**
   * The name of {@code keepRows(src, dst, e0, m, width, part, parts)}, adding it to the class on
   * first use: rows 0 .. m - 1 of {@code src} ({@code width} each; those of part {@code part}
   * of {@code parts}) into rows e0 .. e0 + m - 1 of {@code dst}. A deferring {@code trainBatch}
   * keeps each chunk's first-layer deltas so.
   */
  String keepRows() {
    if (ctx.helpers().has(KEEP_ROWS)) {
      return KEEP_ROWS;
    }
    String start = balancedStart(ctx);
    ctx.helpers().add(MethodSpec.methodBuilder(KEEP_ROWS)
        .addJavadoc("Rows 0 .. m - 1 of {@code src} ({@code width} each; those of part {@code "
            + "part} of {@code parts})\ninto rows e0 .. e0 + m - 1 of {@code dst}.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.array(), "src").addParameter(ctx.array(), "dst")
        .addParameter(TypeName.INT, "e0").addParameter(TypeName.INT, "m")
        .addParameter(TypeName.INT, "width")
        .addParameters(SPLIT)
        .addStatement("int from = $N(m, 1, part, parts)", start)
        .addStatement("int to = $N(m, 1, part + 1, parts)", start)
        .addStatement("$T.arraycopy(src, from * width, dst, (e0 + from) * width, (to - from) * "
            + "width)", System.class)
        .build());
    return KEEP_ROWS;
  }

  /**
   * The single vectors and single columns of rows o .. o + rows - 1 of the deferred ∂W, over
   * chunk e0 .. e0 + m - 1: what {@link #gradientRows} adds after its packed tiles.
   */
  private void deferredTails(CodeBlock.Builder c, int rows, int in, int out, boolean constant) {
    c.addStatement("int j = jt");
    singleColumns(c, rows, in, out, constant, "e0 * " + in, "e0 * " + out + " + ", "o * " + in);
  }

  /**
   * From column j on, rows o .. o + rows - 1 of ∂W: tiles of single vectors, then single
   * columns, each summed over the chunk's m examples (x from {@code xAt}, each row {@code in}
   * long; deltas from {@code dAt} + s × out + o) and added to gw from {@code gwAt} + j.
   */
  private void singleColumns(CodeBlock.Builder c, int rows, int in, int out, boolean constant,
      String xAt, String dAt, String gwAt) {
    c.beginControlFlow("for (; j < bound; j += LANES)");
    c.addStatement("$L", tiles.gradient(rows, 1, in, out, in, constant, false, false)
        .call("x, " + xAt + " + j, d, " + dAt + "o, gw, " + gwAt + " + j, m"));
    c.endControlFlow();
    c.beginControlFlow("for (; j < $L; j++)", in);
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T t$L = $L", ctx.scalar(), r, ctx.lit(0));
    }
    c.beginControlFlow("for (int s = 0; s < m; s++)");
    c.addStatement("$T xj = x[$L + s * $L + j]", ctx.scalar(), xAt, in);
    for (int r = 0; r < rows; r++) {
      c.addStatement("t$L += d[$Ls * $L + o + $L] * xj", r, dAt, out, r);
    }
    c.endControlFlow();
    for (int r = 0; r < rows; r++) {
      c.addStatement("gw[$L + $L + j] += t$L", gwAt, r * in, r);
    }
    c.endControlFlow();
  }


  /**
   * Δ_prev = (Δ W) ⊙ σ'(z_prev) over the chunk, batch-major (index ≥ 1): register tiles of
   * examples × vectors summed over this layer's outputs in order, then multiplied by σ' and
   * stored once.
   */
  @Override
  public MethodSpec backprop(int index) {
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
    loops.byRegisterTiles(c, t -> {
      int rows = t.tileRows();
      c.addStatement("int mt = m / $L * $L", rows, rows);
      String start = balancedStart(ctx);
      c.addStatement("int from = $N(m, $L, part, parts)", start, rows);
      c.addStatement("int to = $N(m, $L, part + 1, parts)", start, rows);
      c.beginControlFlow("for (int s = from, end = Math.min(to, mt); s < end; s += $L)", rows);
      backpropRows(c, rows, t.tileVectors(), in, out, derivative, "");
      c.endControlFlow();
      c.beginControlFlow("for (int s = mt; s < to; s++)");
      backpropRows(c, 1, t.tileVectors(), in, out, derivative, "");
      c.endControlFlow();
    });
    return MethodSpec.methodBuilder(ctx.names().batch(index).backprop())
        .addJavadoc("Layer $L: delta of layer $L over the chunk, register tiles of examples × "
            + "vectors\nsummed over this layer's outputs (the examples of part {@code part} of "
            + "{@code parts}).\n", Javadoc.escape(layer.name()), Javadoc.escape(prev.name()))
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "m").addParameters(SPLIT)
        .addCode(c.build())
        .build();
  }

  /**
   * One example's {@code g = Wᵀ d} (before σ') over the locals {@code w, d, g}, the weights'
   * rows from {@code w[weightBase + 0]}: the back-propagation tiles of this class with one
   * example ({@link Backend#deltaRows}).
   */
  void deltaRows(CodeBlock.Builder c, int in, int out, String weightBase) {
    c.addStatement("int bound = SPECIES.loopBound($L)", in);
    if ((long) in * out * ctx.scalarBytes() <= GROUPED_ROWS_MIN_BYTES) {
      c.addStatement("int s = 0");
      // One row of 4 vectors: 4 accumulators, 4 loaded vectors and a broadcast fit any register
      // file.
      backpropRows(c, 1, 4, in, out, false, weightBase);
      return;
    }
    // Large weights: 4 rows at a time (the live rows r0, r1, r2 and o) over all of g (which
    // stays in L1), each row streamed once, instead of a block of 4 vectors of every row per
    // tile (a column of `out` strided streams). The sums run over o in the same order, so the results are the same bits. Rows
    // whose delta is zero are left out: adding 0 · w changes no sum (but the sign of a zero, or
    // a NaN where w is not finite), and behind a relu about half the deltas are zero, which
    // halves the weight rows read (the Fashion CNN's 800 KB hidden layer, per example).
    c.addStatement("$T.fill(g, 0, bound, $L)", java.util.Arrays.class, ctx.lit(0));
    c.addStatement("int live = 0");
    c.addStatement("int r0 = 0");
    c.addStatement("int r1 = 0");
    c.addStatement("int r2 = 0");
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out);
    c.beginControlFlow("if (d[o] == $L)", ctx.lit(0));
    c.addStatement("continue");
    c.endControlFlow();
    c.beginControlFlow("switch (live++)");
    c.addStatement("case 0 -> r0 = o");
    c.addStatement("case 1 -> r1 = o");
    c.addStatement("case 2 -> r2 = o");
    c.beginControlFlow("default ->");
    String base = weightBase + "0";
    c.addStatement("$N(w, $L, r0, r1, r2, o, $L, d, g, bound)", tiles.deltaRowGroup(4), base,
        in);
    c.addStatement("live = 0");
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
    String single = tiles.deltaRowGroup(1);
    c.beginControlFlow("if (live > 0)");
    c.addStatement("$N(w, $L, r0, $L, d, g, bound)", single, base, in);
    c.endControlFlow();
    c.beginControlFlow("if (live > 1)");
    c.addStatement("$N(w, $L, r1, $L, d, g, bound)", single, base, in);
    c.endControlFlow();
    c.beginControlFlow("if (live > 2)");
    c.addStatement("$N(w, $L, r2, $L, d, g, bound)", single, base, in);
    c.endControlFlow();
    c.beginControlFlow("for (int j = bound; j < $L; j++)", in);
    c.addStatement("$T t = $L", ctx.scalar(), ctx.lit(0));
    c.beginControlFlow("for (int k = 0; k < $L; k++)", out);
    c.addStatement("t += d[k] * w[$Lk * $L + j]", weightBase, in);
    c.endControlFlow();
    c.addStatement("g[j] = t");
    c.endControlFlow();
  }

  /**
   * Examples s .. s + rows - 1 of Δ_prev: vector tiles of {@code vecs} vectors, then a scalar tail
   * over the inputs; the weights' rows from {@code w[weightBase + 0]}.
   */
  private void backpropRows(CodeBlock.Builder c, int rows, int vecs, int in, int out,
      boolean derivative, String weightBase) {
    String der = derivative ? "der" : "null";
    c.addStatement("int go = s * $L", in);
    c.addStatement("int j = 0");
    c.beginControlFlow("for (; j + $L * LANES <= bound; j += $L * LANES)", vecs, vecs);
    boolean constant = constantStrides(in, out);
    String arguments = "w, " + weightBase + "j, d, s * " + out + ", g, " + der + ", go + j";
    c.addStatement("$L",
        tiles.backprop(rows, vecs, derivative, in, out, out, in, constant).call(arguments));
    c.endControlFlow();
    c.beginControlFlow("for (; j < bound; j += LANES)");
    c.addStatement("$L",
        tiles.backprop(rows, 1, derivative, in, out, out, in, constant).call(arguments));
    c.endControlFlow();
    c.beginControlFlow("for (; j < $L; j++)", in);
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T t$L = $L", ctx.scalar(), r, ctx.lit(0));
    }
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out);
    c.addStatement("$T wj = w[$Lo * $L + j]", ctx.scalar(), weightBase, in);
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

}
