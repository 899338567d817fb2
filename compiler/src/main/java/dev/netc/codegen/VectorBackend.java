package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;
import dev.netc.ir.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * The Vector API backend ({@code jdk.incubator.vector}, preferred species, FMA): batch-major chunk
 * buffers, register-tiled kernels ({@link VectorBatchKernels}) and a vector loop over each weight
 * row in the one-example step. javac and java need {@code --add-modules jdk.incubator.vector}.
 */
final class VectorBackend implements Backend {
  private final EmitContext ctx;
  private final VectorLoops loops;
  private final VectorBatchKernels kernels;

  VectorBackend(EmitContext ctx) {
    this.ctx = ctx;
    this.loops = new VectorLoops(ctx);
    this.kernels = new VectorBatchKernels(ctx, loops);
  }

  /**
   * The chunk the kernel plan names ({@link KernelPlan#chunk}: its {@code -cN} suffix), else
   * {@code capacity}; a chunk outside [{@value KernelPlan#MIN_CHUNK}, capacity] fails class
   * initialization with a message that says so. A constant to C2 either way.
   */
  @Override
  public CodeBlock chunkInitializer(int capacity) {
    ctx.helpers().add(MethodSpec.methodBuilder("planChunk")
        .addJavadoc("The examples per batched pass {@code suffix} ({@code -cN} or empty) asks "
            + "for; {@code capacity} if none.\n")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(TypeName.INT)
        .addParameter(String.class, "suffix")
        .addParameter(TypeName.INT, "capacity")
        .beginControlFlow("if (suffix.isEmpty())")
        .addStatement("return capacity")
        .endControlFlow()
        .addStatement("int chunk = Integer.parseInt(suffix.substring(2))")
        .beginControlFlow("if (chunk < $L || chunk > capacity)", KernelPlan.MIN_CHUNK)
        .addStatement("throw new IllegalArgumentException($S + KERNEL_PLAN + $S + capacity + $S)",
            "netc.plan: kernel plan '", "' asks for a chunk outside this class's ["
                + KernelPlan.MIN_CHUNK + ", ", "] examples")
        .endControlFlow()
        .addStatement("return chunk")
        .build());
    return CodeBlock.of("planChunk(CHUNK_SUFFIX, $L)", capacity);
  }

  @Override
  public List<FieldSpec> constants() {
    List<FieldSpec> fields = new ArrayList<>(loops.constants());
    fields.addAll(VectorPools.constants(ctx.network()));
    return fields;
  }

  /** A float class's warm-up of the Vector API ({@link VectorTanh#staticBlock}). */
  @Override
  public Optional<CodeBlock> staticBlock() {
    return VectorTanh.staticBlock(ctx);
  }

  /** relu ({@link VectorRelu}); tanh in float ({@link VectorTanh}). */
  @Override
  public Optional<CodeBlock> activateRange(Activation act, String z, String zOff, String a,
      String aOff, String count, int maxCount) {
    Optional<CodeBlock> relu = VectorRelu.range(ctx, loops, act, z, zOff, a, aOff, count,
        maxCount);
    return relu.isPresent() ? relu : VectorTanh.range(ctx, act, z, zOff, a, aOff, count,
        maxCount);
  }

  /** relu' ({@link VectorRelu}). */
  @Override
  public Optional<CodeBlock> timesDerivativeRange(Activation act, String g, String pz,
      int count) {
    return VectorRelu.timesDerivative(ctx, loops, act, g, pz, count);
  }

  @Override
  public void forwardRows(CodeBlock.Builder c, Layer layer, String weightBase) {
    forwardRows(c, layer, weightBase, false);
  }

  @Override
  public void forwardRowRange(CodeBlock.Builder c, Layer layer, String weightBase) {
    forwardRows(c, layer, weightBase, true);
  }

  /** All rows, or with {@code ranged} rows {@code from .. to - 1}. */
  private void forwardRows(CodeBlock.Builder c, Layer layer, String weightBase, boolean ranged) {
    int in = layer.inSize();
    int out = layer.outSize();
    Optional<CodeBlock> range = activateRange(layer.activation(), "z", "0", "a", "0",
        String.valueOf(out), out);
    // With a range kernel for σ, the rows write z only and σ runs over all of them after (for
    // a part of the rows, on the calling thread after the team meets: see forwardRowRange).
    Activation act = layer.activation();
    boolean perRow = act.isElementwise() && range.isEmpty();
    int rows = rowsPerTile(layer);
    if (doubles(layer)) {
      // 32 vector registers (AVX-512's) hold twice the rows: 1568 -> 128 9.5-10.1 -> 9.0-9.7 µs
      // per example in flow, 10.4 -> 9.5 stand-alone; 16 rows would spill on AVX2's 16.
      loops.byRegisterTiles(c, t -> rowTiles(c, act, perRow, in, out,
          t == CodegenPolicy.RegisterTiles.WIDE ? 2 * WIDE_ROWS : WIDE_ROWS, weightBase, ranged));
    } else {
      rowTiles(c, act, perRow, in, out, rows, weightBase, ranged);
    }
    if (!ranged) {
      range.ifPresent(c::add);
    }
  }

  /**
   * The forward rows in tiles of {@code rows}, then one at a time; σ per row if {@code perRow};
   * with {@code ranged}, rows {@code from .. to - 1} only.
   */
  private void rowTiles(CodeBlock.Builder c, Activation act, boolean perRow, int in, int out,
      int rows, String weightBase, boolean ranged) {
    c.add("// $L rows at a time: vector dot products, reduced once per row.\n", rows);
    if (ranged) {
      c.addStatement("int tiledTo = from + (to - from) / $L * $L", rows, rows);
      c.beginControlFlow("for (int o = from; o < tiledTo; o += $L)", rows);
      vectorRows(c, act, perRow, in, rows, weightBase, "xOff");
      c.endControlFlow();
      c.beginControlFlow("for (int o = tiledTo; o < to; o++)");
      vectorRows(c, act, perRow, in, 1, weightBase, "xOff");
      c.endControlFlow();
      return;
    }
    int tiled = out / rows * rows;
    c.beginControlFlow("for (int o = 0; o < $L; o += $L)", tiled, rows);
    vectorRows(c, act, perRow, in, rows, weightBase, "0");
    c.endControlFlow();
    if (tiled < out) {
      c.beginControlFlow("for (int o = $L; o < $L; o++)", tiled, out);
      vectorRows(c, act, perRow, in, 1, weightBase, "0");
      c.endControlFlow();
    }
  }

  /**
   * Weights (bytes) from which one example's forward pass runs {@link #WIDE_ROWS} rows per tile:
   * 512 KB, where the weights come from L2 (or beyond) and more streams in flight pay.
   */
  private static final long WIDE_ROWS_MIN_BYTES = 512 * 1024;

  /** Rows per tile of the one-example forward pass of a large layer. */
  private static final int WIDE_ROWS = 8;

  /**
   * Rows per tile of {@link #forwardRows}: the policy's 4, or {@link #WIDE_ROWS} for a layer of
   * at least {@link #WIDE_ROWS_MIN_BYTES} of weights. Each row keeps its one accumulator and its
   * order of terms, so the results are the same bits either way. A stand-alone copy of the
   * kernel on the Intel Xeon host, rows of 1568 × 128 and 784 × 256 (800 KB each): 11.3 → 10.4
   * and 11.7 → 10.5 µs per example with 8 rows; 256 × 128 (128 KB, in L2 and L1): 2.18 → 2.12.
   */
  private int rowsPerTile(Layer layer) {
    long bytes = (long) layer.inSize() * layer.outSize() * ctx.scalarBytes();
    return bytes >= WIDE_ROWS_MIN_BYTES && layer.outSize() >= WIDE_ROWS ? WIDE_ROWS
        : ctx.policy().forwardRows(layer);
  }

  /**
   * True if the layer's tiles of {@link #WIDE_ROWS} rows become twice as tall with wide register
   * tiles ({@link VectorLoops#byRegisterTiles}).
   */
  private boolean doubles(Layer layer) {
    return widensForward(layer, ctx.policy(), ctx.scalarBytes());
  }

  /**
   * {@link #doubles} for a looped dense layer of a class under {@code policy} with scalars of
   * {@code scalarBytes}: whether its one-example forward pass asks for the register tiles
   * ({@link VectorLoops} declares the switch for them then).
   */
  static boolean widensForward(Layer layer, CodegenPolicy policy, int scalarBytes) {
    long bytes = (long) layer.inSize() * layer.outSize() * scalarBytes;
    return bytes >= WIDE_ROWS_MIN_BYTES && layer.outSize() % (2 * WIDE_ROWS) == 0
        && policy.registerTiles() != CodegenPolicy.RegisterTiles.NARROW;
  }

  /**
   * Vector dot products of {@code rows} consecutive weight rows starting at row {@code o} with
   * the input at {@code x[xOff]}.
   */
  private void vectorRows(CodeBlock.Builder c, Activation act, boolean perRow, int in,
      int rows, String weightBase, String xOff) {
    loops.dotTile(c, rows, 1, "w", r -> weightBase + "o * " + in + " + " + r * in, "x",
        u -> xOff, String.valueOf(in));
    for (int r = 0; r < rows; r++) {
      String j = r == 0 ? "o" : "o + " + r;
      c.addStatement("z[$L] = s$L0 + b[$L]", j, r, j);
      if (perRow) {
        c.addStatement("a[$L] = $L", j, ctx.value(act, "z[" + j + "]"));
      }
    }
  }

  @Override
  public String forwardDescription(Layer layer) {
    int rows = rowsPerTile(layer);
    return "vector dot products, " + (rows == 1 ? "one row" : rows + " rows") + " at a time"
        + (doubles(layer) ? " (" + 2 * rows + " with wide register tiles)" : "");
  }

  /** A vector loop with FMA, then a scalar loop over the tail. */
  @Override
  public void axpy(CodeBlock.Builder c, int len, String dst, String dstOff, String scale,
      String src, String srcOff) {
    ClassName v = loops.vectorType();
    String d = ScalarBackend.at(dstOff);
    String s = ScalarBackend.at(srcOff);
    c.addStatement("$T sv = $T.broadcast(SPECIES, $L)", v, v, scale);
    c.addStatement("int i = 0");
    c.beginControlFlow("for (int bound = SPECIES.loopBound($L); i < bound; i += LANES)", len);
    c.addStatement("$T.fromArray(SPECIES, $L, $L).fma(sv, $T.fromArray(SPECIES, $L, $L))"
        + ".intoArray($L, $L)", v, src, s, v, dst, d, dst, d);
    c.endControlFlow();
    c.beginControlFlow("for (; i < $L; i++)", len);
    c.addStatement("$L[$L] += $L * $L[$L]", dst, d, scale, src, s);
    c.endControlFlow();
  }

  @Override
  public Optional<PoolKernel> maxPoolKernel(MaxPool2d pool, boolean trainable) {
    return VectorPools.applies(pool, ctx.precision())
        ? Optional.of(VectorPools.kernel(pool, ctx, trainable)) : Optional.empty();
  }

  @Override
  public ConvKernels convKernels(Conv2d conv) {
    return new VectorConv(conv, ctx, loops);
  }

  /** Flat and batch-major: activations, the output layer's z, deltas and hidden σ'. */
  @Override
  public List<FieldSpec> chunkFields() {
    List<FieldSpec> f = new ArrayList<>();
    int chunk = ctx.policy().chunk();
    for (Layer l : ctx.network().layers()) {
      Names.BatchNames b = ctx.names().batch(l.index());
      int out = l.outSize();
      boolean last = ctx.isOutput(l.index());
      f.add(ctx.buffer(b.act(), out * chunk));
      if (last) {
        f.add(ctx.buffer(b.z(), out * chunk));
      }
      if (ctx.trainable()) {
        // The chunk's inputs of the layer as its ∂W tiles read them (packColumns).
        f.add(ctx.buffer(b.packed(), l.inSize() * chunk));
        f.add(ctx.buffer(b.delta(), out * chunk));
        int deferred = kernels.deferredExamples();
        if (l.index() == 0 && deferred > 0) {
          // The batch's inputs and first-layer deltas for the deferred ∂W (deferredGradient).
          f.add(ctx.buffer(VectorBatchKernels.DEFERRED_INPUTS, l.inSize() * deferred));
          f.add(ctx.buffer(VectorBatchKernels.DEFERRED_DELTAS, out * deferred));
        }
        if (!last && !(l.activation() instanceof Activation.Identity)) {
          f.add(ctx.buffer(b.der(), out * chunk));
        }
      }
    }
    // The column forward's scratch (VectorBatchKernels.columnForward): the chunk's inputs and
    // z feature-major, rows of mp <= CHUNK examples rounded up to the widest vector's lanes.
    int columnIn = 0;
    int columnOut = 0;
    for (Layer l : ctx.network().layers()) {
      columnIn = Math.max(columnIn, l.inSize());
      columnOut = Math.max(columnOut, l.outSize());
    }
    int padded = (chunk + widestLanes() - 1) / widestLanes() * widestLanes();
    f.add(ctx.buffer("columnsIn", columnIn * padded));
    f.add(ctx.buffer("columnsZ", columnOut * padded));
    return f;
  }

  /** Lanes of a 512-bit vector of the network's precision: the widest species a plan picks. */
  private int widestLanes() {
    return ctx.precision() == Precision.FLOAT ? 16 : 8;
  }

  @Override
  public void chunkInputs(MethodSpec.Builder m) {
    // The kernels of the first layer read the caller's batch-major inputs in place.
  }

  @Override
  public CodeBlock forwardCall(int index) {
    return CodeBlock.builder().add(split.transpose(index, "0, 1"))
        .add(split.forward(index, "0, 1")).build();
  }

  @Override
  public CodeBlock gradientCall(int index) {
    return split.gradient(index, "0, 1");
  }

  /**
   * As {@link #gradientCall}, and in the chunk that ends a {@code trainBatch} that deferred the
   * first layer's ∂W ({@code gradientDeferred}), that ∂W over the whole batch.
   */
  @Override
  public CodeBlock lastGradientCall(int index) {
    if (!defersGradient(index)) {
      return gradientCall(index);
    }
    return CodeBlock.builder().add(gradientCall(index))
        .beginControlFlow("if (gradientDeferred)")
        .add(split.deferredGradient("0, 1"))
        .endControlFlow()
        .build();
  }

  /**
   * Whether layer {@code index}'s ∂W waits for the end of a deferring {@code trainBatch}
   * ({@link BatchKernels#deferredExamples}): the first layer's, where the kernels defer.
   */
  private boolean defersGradient(int index) {
    return index == 0 && kernels.deferredExamples() > 0;
  }

  @Override
  public CodeBlock backpropCall(int index) {
    return split.backprop(index, "0, 1");
  }

  @Override
  public Optional<SplitCalls> splitCalls() {
    return Optional.of(split);
  }

  /** The batched kernels' calls: each layer's inputs are the previous layer's activations. */
  private final SplitCalls split = new SplitCalls() {
    private CodeBlock inputs(int index) {
      return index == 0 ? CodeBlock.of("xs, e0 * INPUT_SIZE")
          : CodeBlock.of("$N, 0", ctx.names().batch(index - 1).act());
    }

    @Override
    public CodeBlock transpose(int index, String part) {
      int in = ctx.network().layers().get(index).inSize();
      CodeBlock.Builder c = CodeBlock.builder().add("$N($L, $L, m, $L);\n",
          kernels.transposeColumns(), inputs(index), in, part);
      if (ctx.trainable()) {
        // A deferring trainBatch packs the first layer's inputs of the whole batch at its end.
        c.beginControlFlow(defersGradient(index)
                ? "if (packsGradientInputs && !gradientDeferred)" : "if (packsGradientInputs)")
            .add(kernels.gradientInputs(index, inputs(index), "m", part))
            .endControlFlow();
      }
      return c.build();
    }

    @Override
    public CodeBlock forward(int index, String part) {
      return CodeBlock.of("$N($L, m, $L);\n", ctx.names().batch(index).forward(), inputs(index),
          part);
    }

    /**
     * The chunk's ∂W; for the first layer of a class that defers it, while a {@code
     * trainBatch} does ({@code gradientDeferred}), the chunk's deltas kept instead (examples of
     * part {@code part} of {@code parts}).
     */
    @Override
    public CodeBlock gradient(int index, String part) {
      CodeBlock call = CodeBlock.of("$N($L, m, $L);\n", ctx.names().batch(index).gradient(),
          inputs(index), part);
      if (!defersGradient(index)) {
        return call;
      }
      int out = ctx.network().layers().get(0).outSize();
      return CodeBlock.builder().beginControlFlow("if (gradientDeferred)")
          .add("$N($N, $N, e0, m, $L, $L);\n", kernels.keepRows(), ctx.names().batch(0).delta(),
              VectorBatchKernels.DEFERRED_DELTAS, out, part)
          .nextControlFlow("else")
          .add(call)
          .endControlFlow()
          .build();
    }

    /**
     * The batch's first-layer inputs packed from the caller's array, then its ∂W: both by the
     * same blocks of columns, so that each part reads only the blocks it packed.
     */
    @Override
    public CodeBlock deferredGradient(String part) {
      int in = ctx.network().layers().get(0).inSize();
      return CodeBlock.builder()
          .add("$N(xs, 0, $L, e0 + m, $N, $L);\n", kernels.packColumns(), in,
              VectorBatchKernels.DEFERRED_INPUTS, part)
          .add("$N(xs, e0 + m, $L);\n", ctx.names().batch(0).deferredGradient(), part)
          .build();
    }

    @Override
    public CodeBlock backprop(int index, String part) {
      return CodeBlock.of("$N(m, $L);\n", ctx.names().batch(index).backprop(), part);
    }
  };

  @Override
  public void storeDelta(MethodSpec.Builder m, Layer output, String from, String to) {
    m.addStatement("$T.arraycopy($N, 0, $N, s * $L, $L)", System.class, from, to,
        output.outSize(), output.outSize());
  }

  @Override
  public boolean defersDenseGradients() {
    return true;
  }

  /**
   * The batched back-propagation tiles with one example: each block of 4 vectors (then 1) of
   * {@code g} is summed over all the rows in registers and stored once. Adding row after row
   * into {@code g} in memory, as the scalar backend does, loaded and stored every vector of
   * {@code g} once per row: LeNet-5's 256-wide flatten delta took 2.2 µs per example that way.
   */
  @Override
  public void deltaRows(CodeBlock.Builder c, int in, int out, String weightBase) {
    kernels.deltaRows(c, in, out, weightBase);
  }

  @Override
  public BatchKernels batchKernels() {
    return kernels;
  }

  @Override
  public List<FieldSpec> onlineFields(int buffers) {
    return List.of();
  }

  @Override
  public void onlineLocals(CodeBlock.Builder c, int buffers) {
    // The vector loop reads the weight row and its buffers in place.
  }

  /** The vector loop over one weight row; the scalar loop after it finishes the tail. */
  @Override
  public void onlineRow(CodeBlock.Builder c, int in, int buffers, boolean propagate, String next,
      DenseOnline.Element element) {
    c.addStatement("int i = 0");
    ClassName v = loops.vectorType();
    if (next != null) {
      c.addStatement("$T znv = $T.zero(SPECIES)", v, v);
    }
    c.addStatement("int bound = SPECIES.loopBound($L)", in);
    c.beginControlFlow("for (; i < bound; i += LANES)");
    c.addStatement("$T wv = $T.fromArray(SPECIES, w, k + i)", v, v);
    if (propagate) {
      c.addStatement("wv.mul(dk).add($T.fromArray(SPECIES, g, i)).intoArray(g, i)", v);
    }
    c.addStatement("$T gv = $T.fromArray(SPECIES, x, i).mul(ds)", v, v);
    Optimizer opt = ctx.network().optimizer();
    for (String statement : opt.javaVectorUpdate(v.simpleName(), "w",
        DenseOnline.WEIGHT_STATE.subList(0, buffers), "k + i", ctx.precision())) {
      c.addStatement("$L", statement);
    }
    if (next != null) {
      // The forward kernel's order: lanes summed with fma, reduced once, then the tail.
      c.addStatement("znv = $T.fromArray(SPECIES, w, k + i).fma($T.fromArray(SPECIES, $L, i), "
          + "znv)", v, v, next);
    }
    c.endControlFlow();
    if (next != null) {
      c.addStatement("zn = znv.reduceLanes($T.ADD)",
          ClassName.get(VectorLoops.VECTOR_PACKAGE, "VectorOperators"));
    }
    c.beginControlFlow("for (; i < $L; i++)", in);
    element.emit("w", "k + i", DenseOnline.WEIGHT_STATE);
    if (next != null) {
      c.addStatement("zn += w[k + i] * $L[i]", next);
    }
    c.endControlFlow();
  }
}
