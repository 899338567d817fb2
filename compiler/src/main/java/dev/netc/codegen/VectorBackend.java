package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;
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
  private static final String FIRST_FLAT_ROWS = "FIRST_FLAT_ROWS";
  private static final String FIRST_ROW_LANES = "FIRST_ROW_LANES";
  private static final String FIRST_INPUT_LANES = "FIRST_INPUT_LANES";
  private static final String FIRST_ROW_SCALES = "firstRowScales";

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

  /** The vector tanh's, if a kernel called it ({@link VectorTanh#fields}). */
  @Override
  public List<FieldSpec> helperFields() {
    return VectorTanh.fields(ctx);
  }

  /** tanh in float: {@link VectorTanh}. */
  @Override
  public Optional<CodeBlock> activateRange(Activation act, String z, String zOff, String a,
      String aOff, String count, int maxCount) {
    return VectorTanh.range(ctx, act, z, zOff, a, aOff, count, maxCount);
  }

  @Override
  public void forwardRows(CodeBlock.Builder c, Layer layer, String weightBase) {
    int in = layer.inSize();
    int out = layer.outSize();
    Optional<CodeBlock> range = activateRange(layer.activation(), "z", "0", "a", "0",
        String.valueOf(out), out);
    // With a range kernel for σ, the rows write z only and σ runs over all of them after.
    Activation act = layer.activation();
    boolean perRow = act.isElementwise() && range.isEmpty();
    int rows = rowsPerTile(layer);
    if (doubles(layer)) {
      // 32 vector registers (AVX-512's) hold twice the rows: 1568 -> 128 9.5-10.1 -> 9.0-9.7 µs
      // per example in flow, 10.4 -> 9.5 stand-alone; 16 rows would spill on AVX2's 16.
      loops.byRegisterTiles(c, t -> rowTiles(c, act, perRow, in, out,
          t == CodegenPolicy.RegisterTiles.WIDE ? 2 * WIDE_ROWS : WIDE_ROWS, weightBase));
    } else {
      rowTiles(c, act, perRow, in, out, rows, weightBase);
    }
    range.ifPresent(c::add);
  }

  /** The forward rows in tiles of {@code rows}, then one at a time; σ per row if {@code perRow}. */
  private void rowTiles(CodeBlock.Builder c, Activation act, boolean perRow, int in, int out,
      int rows, String weightBase) {
    int tiled = out / rows * rows;
    c.add("// $L rows at a time: vector dot products, reduced once per row.\n", rows);
    c.beginControlFlow("for (int o = 0; o < $L; o += $L)", tiled, rows);
    vectorRows(c, act, perRow, in, rows, weightBase);
    c.endControlFlow();
    if (tiled < out) {
      c.beginControlFlow("for (int o = $L; o < $L; o++)", tiled, out);
      vectorRows(c, act, perRow, in, 1, weightBase);
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

  /** Vector dot products of {@code rows} consecutive weight rows starting at row {@code o}. */
  private void vectorRows(CodeBlock.Builder c, Activation act, boolean perRow, int in,
      int rows, String weightBase) {
    loops.dotTile(c, rows, 1, "w", r -> weightBase + "o * " + in + " + " + r * in, "x", u -> "0",
        String.valueOf(in));
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
        f.add(ctx.buffer(b.delta(), out * chunk));
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
      return CodeBlock.of("$N($L, $L, m, $L);\n", kernels.transposeColumns(), inputs(index),
          ctx.network().layers().get(index).inSize(), part);
    }

    @Override
    public CodeBlock forward(int index, String part) {
      return CodeBlock.of("$N($L, m, $L);\n", ctx.names().batch(index).forward(), inputs(index),
          part);
    }

    @Override
    public CodeBlock gradient(int index, String part) {
      return CodeBlock.of("$N($L, m, $L);\n", ctx.names().batch(index).gradient(), inputs(index),
          part);
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

  /**
   * The first layer's constants and row-scale scratch for {@link #onlineFirstRows}, if it can
   * take that form.
   */
  @Override
  public List<FieldSpec> onlineFields(int buffers) {
    Optional<Layer> first = flatFirstLayer();
    if (first.isEmpty()) {
      return List.of();
    }
    int in = first.get().inSize();
    int out = first.get().outSize();
    List<FieldSpec> fields = new ArrayList<>(List.of(
        FieldSpec.builder(TypeName.INT, FIRST_FLAT_ROWS, Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("Rows of the first layer, from row 0, that the one-example step updates "
                + "in flat blocks of\n{@code LANES} weights and biases: as many as fill whole "
                + "vectors of biases where a vector\nholds whole rows, else none.\n")
            .initializer("LANES % $L == 0 && LANES > $L ? $L / LANES * LANES : 0", in, in, out)
            .build(),
        FieldSpec.builder(int[].class, FIRST_INPUT_LANES, Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("Lane l of a flat block of the first layer's weights multiplies input "
                + "l % $L.\n", in)
            .initializer("$T.range(0, LANES).map(l -> l % $L).toArray()",
                ClassName.get("java.util.stream", "IntStream"), in)
            .build(),
        FieldSpec.builder(ArrayTypeName.of(ctx.scalar()), FIRST_ROW_SCALES, Modifier.PRIVATE,
                Modifier.FINAL)
            .addJavadoc("The first layer's row scales of a one-example step, read a vector at a "
                + "time from any row.\n")
            .initializer("new $T[$L + LANES]", ctx.scalar(), out)
            .build()));
    for (int j = 0; in > 1 && j < in; j++) {
      fields.add(FieldSpec.builder(ParameterizedTypeName.get(
              ClassName.get(VectorLoops.VECTOR_PACKAGE, "VectorShuffle"), loops.elementType()),
              FIRST_ROW_LANES + "_" + j, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
          .addJavadoc("Lane l of weight vector $L of LANES rows of the first layer is in "
              + "their row $L * LANES / $L + l / $L.\n", j, j, in, in)
          .initializer("$T.fromOp(SPECIES, l -> $L * LANES / $L + l / $L)",
              ClassName.get(VectorLoops.VECTOR_PACKAGE, "VectorShuffle"), j, in, in)
          .build());
    }
    return fields;
  }

  /**
   * Flat blocks for a first dense layer of 1, 2, 4 or 8 inputs (1, 2 or 4 in doubles), whose
   * rows are shorter than a vector: its weights are contiguous, so LANES rows' weights are {@code in} whole vectors. For
   * each LANES rows the step loads their scales {@code ds[o]} once (one vector: their biases'
   * gradient), and each weight vector's gradient {@code ds[o] * x[i]} takes the lane's row scale
   * from a shuffle of them and its input from one gather of {@code x} (the same for every
   * vector); the optimizer's vector rule does the rest, operation for operation the rows'
   * scalar one, so the bits are the same. Why: the 4-16-3 network's rows of 4 were written out
   * one weight at a time; with this the step ran 2.59M-2.88M steps/s against 2.35M-2.49M
   * (Intel Xeon, each JVM loading both classes, alternated). Which rows, if
   * any, is decided at class initialization ({@code FIRST_FLAT_ROWS}: the lane count is the
   * plan's); the row loop updates the others.
   */
  @Override
  public Optional<String> onlineFirstRows(CodeBlock.Builder c, Layer first, int buffers) {
    if (flatFirstLayer().isEmpty()) {
      return Optional.empty();
    }
    int in = first.inSize();
    ClassName v = loops.vectorType();
    c.add("// Rows shorter than a vector: whole vectors of weights, each lane's row scale put in "
        + "place\n// by a shuffle of LANES rows' scales and its input by one gather.\n");
    c.beginControlFlow("if ($L > 0)", FIRST_FLAT_ROWS);
    c.addStatement("$T[] rowScales = $L", ctx.scalar(), FIRST_ROW_SCALES);
    c.beginControlFlow("for (int o = 0; o < $L; o++)", FIRST_FLAT_ROWS);
    c.addStatement("rowScales[o] = $L", ctx.precision().cast("d[o] * scale"));
    c.endControlFlow();
    c.addStatement("$T xr = $T.fromArray(SPECIES, x, 0, $L, 0)", v, v, FIRST_INPUT_LANES);
    c.add("// LANES rows at a time: their biases, then their weights, $L vectors.\n", in);
    c.beginControlFlow("for (int o = 0; o < $L; o += LANES)", FIRST_FLAT_ROWS);
    c.addStatement("$T rs = $T.fromArray(SPECIES, rowScales, o)", v, v);
    c.add("{\n").indent();
    c.addStatement("$T wv = $T.fromArray(SPECIES, b, o)", v, v);
    c.addStatement("$T gv = rs", v);
    vectorUpdate(c, "b", DenseOnline.BIAS_STATE, "o", buffers);
    c.unindent().add("}\n");
    for (int j = 0; j < in; j++) {
      c.add("{\n").indent();
      c.addStatement("int k = o * $L + $L", in, j == 0 ? "0" : j + " * LANES");
      c.addStatement("$T wv = $T.fromArray(SPECIES, w, k)", v, v);
      c.addStatement("$T gv = rs$L.mul(xr)", v,
          in == 1 ? "" : ".rearrange(" + FIRST_ROW_LANES + "_" + j + ")");
      vectorUpdate(c, "w", DenseOnline.WEIGHT_STATE, "k", buffers);
      c.unindent().add("}\n");
    }
    c.endControlFlow();
    c.endControlFlow();
    return Optional.of(FIRST_FLAT_ROWS);
  }

  /**
   * The optimizer's vector rule on {@code param[at ..]} with the locals {@code wv} (its old
   * values) and {@code gv} (its gradient), its buffers the arrays {@code state}.
   */
  private void vectorUpdate(CodeBlock.Builder c, String param, List<String> state, String at,
      int buffers) {
    for (String statement : ctx.network().optimizer().javaVectorUpdate(
        loops.vectorType().simpleName(), param, state.subList(0, buffers), at,
        ctx.precision())) {
      c.addStatement("$L", statement);
    }
  }

  /**
   * The first layer, if it is dense with rows that divide the widest vector (1, 2, 4 or 8
   * floats; 1, 2 or 4 doubles: {@link #onlineFirstRows}).
   */
  private Optional<Layer> flatFirstLayer() {
    Layer first = ctx.network().layers().get(0);
    int in = first.inSize();
    return first instanceof Dense && in < widestLanes() && widestLanes() % in == 0
        ? Optional.of(first) : Optional.empty();
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
    vectorUpdate(c, "w", DenseOnline.WEIGHT_STATE, "k + i", buffers);
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
