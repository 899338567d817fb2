package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * {@code predict}'s forward pass of a large dense layer over its weights by columns: z = b + Σ_j
 * x_j W[:, j] over the inputs x_j that are not zero, each column a run of the layer's outputs
 * ({@link AlignedWeights} keeps the transposed copy on a 64-byte line, [in][out] tile by tile:
 * {@link #transpose}).
 *
 * <p>Why: one example's forward pass reads every weight once, so it runs at the speed the
 * weights stream from cache, and a zero input's column need not be read at all. Half of a
 * Fashion-MNIST image's pixels are 0 (from 5 % to 88 %), and so are about half of a relu layer's
 * outputs. On the Intel Xeon host the 784 × 256 layer took 6.4 µs by rows and 3.4 µs by columns
 * over Fashion images; 5.5 µs by columns over dense random inputs, since no row's vector sum
 * is reduced across lanes (docs/performance.md).
 *
 * <p>The sums: each output is {@code fma(x_j, W[o][j], s)} over the nonzero x_j in increasing j
 * from s = 0 (from {@link #SPLIT_MIN_BYTES} of weights, in two blocks of inputs, the first half
 * and the rest, whose sums are added at the end), then + b[o]: a different order from the rows'
 * vector sums, so predict over the
 * columns may differ from the rows (the first predicts after a write, predictBatch, training's
 * forward pass) in the last bits, within the tolerance the vector kernels keep against the
 * interpreter. Whatever the team or the vector width, a column copy's sums are the same bits
 * (each output's terms in one order). A zero input is skipped where its term would be x_j · W =
 * ±0, so only a weight that is infinite or NaN, whose product with 0 is NaN, changes the result.
 *
 * <p>The nonzero inputs are listed once per layer ({@code listNonzero}: a vector of inputs at a
 * time where it has no zero or only zeros, else input by input without a branch; with a branch
 * per input in the sums instead, C2 did not keep the accumulators in registers), then each tile
 * of 8 vectors of outputs runs down the list. Over a team ({@link PredictSplit}) a layer of two
 * blocks gives each part a block: it lists the block's nonzero inputs into a list of its own and
 * sums them for every output, and the calling thread adds the blocks' sums after the meeting.
 * (Splitting the outputs instead made each part list every input, which cost as much as half
 * the sums: docs/performance.md.)
 */
final class ColumnPredict {
  /** The fields and helper of the nonzero inputs (reserved in {@link Names#RESERVED}). */
  static final String AT = "nonzeroAt";
  static final String LIST = "listNonzero";
  static final String GROW = "nonzeroLists";
  /**
   * Weights (bytes) from which a layer's sums are kept in two blocks of inputs, each its own
   * sum in input order, added at the end: a team's parts then each take a block, listing and
   * reading only its inputs' columns. The Fashion MLP's 800 KB first layer has two. Splitting
   * its 128 KB second layer as well (a second meeting per predict) made predict slower on the
   * Intel Xeon host (211k against 236k examples/s, in a build whose parts split the outputs); on
   * the Zen 4 host it took that layer from 1.7–1.8 µs to 1.1 µs, but each JVM run was then fast
   * or slow for its whole length (Fashion images 212–257k or 142–165k examples/s), where one
   * meeting ran 244–249k in every run (docs/performance.md).
   */
  static final long SPLIT_MIN_BYTES = 512 * 1024;
  /** Vectors of outputs per tile: 8 accumulators, a broadcast and a load fit AVX2's 16. */
  private static final int TILE_VECTORS = 8;
  /** A tile's outputs, in the generated class's terms. */
  private static final String TILE_WIDTH = "(" + TILE_VECTORS + " * LANES)";
  /** Side of the blocks the transposition copies (a block's lines stay in L1). */
  private static final int TRANSPOSE_BLOCK = 16;

  private final EmitContext ctx;
  private final Backend backend;
  private final VectorLoops loops;

  ColumnPredict(EmitContext ctx, Backend backend) {
    this.ctx = ctx;
    this.backend = backend;
    this.loops = new VectorLoops(ctx);
  }

  /**
   * Statements that copy {@code weights} ([out][in]) transposed into {@code copy} from {@code
   * start} on, in square blocks (88 µs for the 784 × 256 layer on the Intel Xeon host, against
   * 408 µs row by row), tile by tile: the outputs of each tile of {@link #TILE_VECTORS} vectors
   * get a block [in][tile] of their own, and the outputs past the last whole tile one block
   * [in][rest] after them: output o's weight of input i lies at the block's start (its first
   * output × in) + i × the block's width + o − its first output. So each tile of {@link
   * #sumsMethod} reads its columns' runs one after another, a single stream, where the plain
   * transposition ([in][out]) had it read a run of every row of outputs and skip the other
   * tiles' runs: over 384 columns of 256 outputs, a stand-alone kernel read 4.21–4.70 µs that
   * way and 3.71–3.86 µs tile by tile on the Zen 4 host, about a plain stream's 3.65–4.03 µs
   * (docs/performance.md).
   */
  static void transpose(CodeBlock.Builder c, String weights, String copy, String start, int out,
      int in) {
    int b = TRANSPOSE_BLOCK;
    // A block of its own: a method may copy several layers.
    c.add("{\n$>");
    c.addStatement("int tiled = $L / $L * $L", out, TILE_WIDTH, TILE_WIDTH);
    c.beginControlFlow("for (int ob = 0; ob < $L; ob += $L)", out, b)
        .beginControlFlow("for (int ib = 0; ib < $L; ib += $L)", in, b)
        .beginControlFlow("for (int o = ob, oEnd = Math.min(ob + $L, $L); o < oEnd; o++)", b,
            out)
        .addStatement("int first = o < tiled ? o / $L * $L : tiled", TILE_WIDTH, TILE_WIDTH)
        .addStatement("int width = o < tiled ? $L : $L - tiled", TILE_WIDTH, out)
        .addStatement("int run = $N + first * $L + o - first", start, in)
        .beginControlFlow("for (int i = ib, iEnd = Math.min(ib + $L, $L); i < iEnd; i++)", b,
            in)
        .addStatement("$N[run + i * width] = $N[o * $L + i]", copy, weights, in)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
    c.add("$<}\n");
  }

  /**
   * The nonzero inputs' lists, one per part of a team (part 0's also the calling thread's alone),
   * sized for the widest column layer; none without one.
   */
  static List<FieldSpec> fields(Network network, AlignedWeights aligned) {
    int widest = widest(network, aligned);
    if (widest == 0) {
      return List.of();
    }
    return List.of(
        FieldSpec.builder(int[][].class, AT, Modifier.PRIVATE)
            .addJavadoc("Per part, where the nonzero inputs of the layer predict runs by columns "
                + "are (grown to the\nteam's threads by {@link #$N}).\n", GROW)
            .initializer("new int[1][$L]", widest).build());
  }

  private static int widest(Network network, AlignedWeights aligned) {
    int widest = 0;
    for (Layer l : network.layers()) {
      if (aligned.columns(l.index())) {
        widest = Math.max(widest, l.inSize());
      }
    }
    return widest;
  }

  /**
   * The statement that gives each of the team's threads a list of its own before a phase over
   * the columns: a list written by one core and read by the other cost more than each part
   * listing the inputs itself (2 threads ran slower than one).
   */
  CodeBlock growForTeam() {
    if (!ctx.helpers().has(GROW)) {
      int widest = widest(ctx.network(), ctx.aligned());
      ctx.helpers().add(MethodSpec.methodBuilder(GROW)
          .addJavadoc("Gives each of {@code threads} parts a list of nonzero inputs (once per "
              + "team size).\n")
          .addModifiers(Modifier.PRIVATE)
          .addParameter(TypeName.INT, "threads")
          .beginControlFlow("if ($N.length < threads)", AT)
          .addStatement("$N = new int[threads][$L]", AT, widest)
          .endControlFlow()
          .build());
    }
    return CodeBlock.of("$N(team.threads());\n", GROW);
  }

  /**
   * True if {@code layer} (by columns) keeps its sums in two blocks of inputs: from {@link
   * #SPLIT_MIN_BYTES} of weights. Fixed by the layer's size alone, so the sums are the same bits
   * whatever the team; {@link AlignedWeights} names the blocks' fields by it.
   */
  static boolean twoBlocks(Layer layer, int scalarBytes) {
    return (long) layer.weightCount() * scalarBytes >= SPLIT_MIN_BYTES;
  }

  /** True if layer {@code index} (by columns) splits over a team: by its two blocks of inputs. */
  boolean splits(int index) {
    return ctx.aligned().blockSums(index) != null;
  }

  /** Where layer {@code index}'s second input block starts. */
  private int half(int index) {
    return ctx.network().layers().get(index).inSize() / 2;
  }

  /** The statement declaring {@code at}, part {@code part}'s list of nonzero inputs. */
  private static CodeBlock partList(String part) {
    return CodeBlock.of("int[] at = $N[$L];\n", AT, part);
  }

  /**
   * The call that lists inputs {@code from .. to - 1} of {@code x[xOff]} that are not zero in
   * {@code at} from {@code k} on and returns where the list ends.
   */
  private CodeBlock list(CodeBlock x, CodeBlock xOff, Object from, Object to, Object k) {
    if (!ctx.helpers().has(LIST)) {
      ctx.helpers().add(listMethod());
    }
    return CodeBlock.of("$N($L, $L, $L, $L, at, $L)", LIST, x, xOff, from, to, k);
  }

  private MethodSpec listMethod() {
    String zero = ctx.precision() == Precision.FLOAT ? "0f" : "0.0";
    ClassName v = loops.vectorType();
    CodeBlock scalar = CodeBlock.builder()
        .addStatement("$T xj = x[xOff + j]", ctx.scalar())
        .addStatement("at[k] = j")
        .addStatement("k += xj != $L ? 1 : 0", zero)
        .build();
    return MethodSpec.methodBuilder(LIST)
        .addJavadoc("Lists the inputs {@code j} in {@code from .. to - 1} whose {@code x[xOff + "
            + "j]} is not zero (NaN is\nlisted) in {@code at} from {@code k} on; returns where "
            + "the list ends. A vector of inputs\nwith no zero is listed at once, one of zeros "
            + "alone skipped, and the others input by\ninput without a branch (4 cycles an "
            + "input, the count's chain).\n")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(TypeName.INT)
        .addParameter(ctx.array(), "x")
        .addParameter(TypeName.INT, "xOff")
        .addParameter(TypeName.INT, "from")
        .addParameter(TypeName.INT, "to")
        .addParameter(int[].class, "at")
        .addParameter(TypeName.INT, "k")
        .addStatement("int j = from")
        .beginControlFlow("for (int end = from + SPECIES.loopBound(to - from); j < end; )")
        .addStatement("$T nonzero = $T.fromArray(SPECIES, x, xOff + j).compare($T.NE, $L)",
            loops.maskType(), v, ClassName.get(VectorLoops.VECTOR_PACKAGE, "VectorOperators"),
            zero)
        .beginControlFlow("if (nonzero.allTrue())")
        .beginControlFlow("for (int t = 0; t < LANES; t++)")
        .addStatement("at[k + t] = j + t")
        .endControlFlow()
        .addStatement("k += LANES")
        .addStatement("j += LANES")
        .nextControlFlow("else if (!nonzero.anyTrue())")
        .addStatement("j += LANES")
        .nextControlFlow("else")
        .beginControlFlow("for (int vEnd = j + LANES; j < vEnd; j++)")
        .addCode(scalar)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .beginControlFlow("for (; j < to; j++)")
        .addCode(scalar)
        .endControlFlow()
        .addStatement("return k")
        .build();
  }

  /**
   * Statements of a split layer {@code index}'s part {@code part} of {@code parts} over the
   * team: for each of its input blocks (block b goes to part b % parts), lists the block's
   * nonzero inputs at {@code x[xOff]} into the part's own list and sums them into the block's
   * partial sums. The calling thread adds the blocks after the meeting ({@link #addBlocksMethod}).
   */
  CodeBlock part(int index, CodeBlock x, CodeBlock xOff) {
    Layer layer = ctx.network().layers().get(index);
    addMethods(index);
    int half = half(index);
    return CodeBlock.builder()
        .beginControlFlow("for (int block = part; block < 2; block += parts)")
        .add(partList("part"))
        .addStatement("int count = $L", list(x, xOff, "block == 0 ? 0 : " + half,
            "block == 0 ? " + half + " : " + layer.inSize(), 0))
        .addStatement("$N(at, $L, $L, 0, count, $N, block * $L)", sumsName(index), x, xOff,
            ctx.aligned().blockSums(index), layer.outSize())
        .endControlFlow()
        .build();
  }

  /** The statement, after a split layer's meeting, that adds its blocks' sums and the bias. */
  CodeBlock sum(int index) {
    addMethods(index);
    return CodeBlock.of("$N();\n", addBlocksName(index));
  }

  private void addMethods(int index) {
    if (!ctx.helpers().has(sumsName(index))) {
      ctx.helpers().add(sumsMethod(index));
      if (splits(index)) {
        ctx.helpers().add(addBlocksMethod(index));
      }
    }
  }

  /**
   * Layer {@code index}'s forward pass for predict over its columns, on one thread: lists its
   * nonzero inputs, sums them ({@link #sumsMethod}, added to the helpers; per input block
   * where the layer splits, then adds the blocks), then σ's range kernel where the backend has
   * one.
   */
  MethodSpec forward(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    addMethods(index);
    CodeBlock.Builder c = CodeBlock.builder();
    CodeBlock x = CodeBlock.of("$N", ctx.inputOf(index));
    CodeBlock zero = CodeBlock.of("0");
    c.add(partList("0"));
    if (splits(index)) {
      int half = half(index);
      c.addStatement("int first = $L", list(x, zero, 0, half, 0));
      c.addStatement("int count = $L", list(x, zero, half, layer.inSize(), "first"));
      c.addStatement("$N(at, $L, 0, 0, first, $N, 0)", sumsName(index), x,
          ctx.aligned().blockSums(index));
      c.addStatement("$N(at, $L, 0, first, count, $N, $L)", sumsName(index), x,
          ctx.aligned().blockSums(index), layer.outSize());
      c.add(sum(index));
    } else {
      c.addStatement("int count = $L", list(x, zero, 0, layer.inSize(), 0));
      ctx.declareArray(c, "z", n.z());
      c.addStatement("$N(at, $L, 0, 0, count, z, 0)", sumsName(index), x);
    }
    sigma(layer).ifPresent(range -> {
      if (splits(index)) {
        ctx.declareArray(c, "z", n.z());
      }
      ctx.declareArray(c, "a", n.act());
      c.add(range);
    });
    return MethodSpec.methodBuilder(ctx.aligned().forwardMethod(index))
        .addJavadoc("Layer $L forward for predict over the columns of its weights ([in][out]): "
            + "$L inputs, $L outputs,\n$L, zero inputs skipped.\n",
            Javadoc.escape(layer.name()), layer.inSize(), layer.outSize(),
            Javadoc.escape(layer.activation().describe()))
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }

  /** σ's range kernel over layer's z and a (locals), if the backend has one. */
  Optional<CodeBlock> sigma(Layer layer) {
    return backend.activateRange(layer.activation(), "z", "0", "a", "0",
        String.valueOf(layer.outSize()), layer.outSize());
  }

  /** The name of layer {@code index}'s sums over listed inputs. */
  private String sumsName(int index) {
    return ctx.aligned().columnSums(index);
  }

  /** The name of layer {@code index}'s method that adds its blocks' sums. */
  private String addBlocksName(int index) {
    return ctx.aligned().addBlocks(index);
  }

  /**
   * Layer {@code index}'s sums over the listed inputs {@code kFrom .. kTo - 1} for all its
   * outputs, into {@code dst[dstOff]}: z itself (+ b, then σ where it has no range kernel) for a
   * layer of one block, the block's partial sums for a split one.
   */
  private MethodSpec sumsMethod(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    Activation act = layer.activation();
    int out = layer.outSize();
    boolean whole = !splits(index);
    ClassName v = loops.vectorType();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "w", ctx.aligned().copy(index));
    c.addStatement("int ws = $N", ctx.aligned().start(index));
    if (whole) {
      ctx.declareArray(c, "b", n.bias());
    }
    c.addStatement("int o = 0");
    c.add("// $L vectors of outputs at a time, each column's run read once per tile.\n",
        TILE_VECTORS);
    c.beginControlFlow("for (; o + $L * LANES <= $L; o += $L * LANES)", TILE_VECTORS, out,
        TILE_VECTORS);
    // The tile's block of the copy: each input's run of the tile's outputs, one after another.
    c.addStatement("int block = ws + o * $L", layer.inSize());
    tile(c, v, CodeBlock.of("$L", TILE_WIDTH), TILE_VECTORS, whole);
    c.endControlFlow();
    // The outputs past the last whole tile: one block of runs of all of them.
    c.addStatement("int rest = o");
    c.addStatement("int restBlock = ws + rest * $L", layer.inSize());
    c.beginControlFlow("for (; o + LANES <= $L; o += LANES)", out);
    c.addStatement("int block = restBlock + o - rest");
    tile(c, v, CodeBlock.of("($L - rest)", out), 1, whole);
    c.endControlFlow();
    // Outputs past the last whole vector (none where LANES divides a cache line's values, which
    // divide the outputs): the same fma chain, one output at a time.
    c.beginControlFlow("for (; o < $L; o++)", out)
        .addStatement("$T s = 0", ctx.scalar())
        .beginControlFlow("for (int k = kFrom; k < kTo; k++)")
        .addStatement("s = Math.fma(x[xOff + at[k]], w[restBlock + at[k] * ($L - rest) + o - rest],"
            + " s)", out)
        .endControlFlow()
        .addStatement(whole ? "dst[dstOff + o] = s + b[o]" : "dst[dstOff + o] = s")
        .endControlFlow();
    // σ here only for a layer of one block whose σ has no range kernel (the caller runs that).
    boolean sigmaHere = whole && sigma(layer).isEmpty();
    if (sigmaHere) {
      ctx.declareArray(c, "a", n.act());
      c.beginControlFlow("for (int j = 0; j < $L; j++)", out)
          .addStatement("a[j] = $L", ctx.value(act, "dst[dstOff + j]"))
          .endControlFlow();
    }
    return MethodSpec.methodBuilder(sumsName(index))
        .addJavadoc("Layer $L's $L from the inputs {@code x[xOff + at[k]]} listed in {@code at} "
            + "from\n{@code kFrom} to {@code kTo - 1} and the columns of its weights, into "
            + "{@code dst[dstOff]}$L.\n",
            Javadoc.escape(layer.name()), whole ? "z" : "sums of one block of inputs",
            sigmaHere ? ", then σ" : "")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(int[].class, "at")
        .addParameter(ctx.array(), "x")
        .addParameter(TypeName.INT, "xOff")
        .addParameter(TypeName.INT, "kFrom")
        .addParameter(TypeName.INT, "kTo")
        .addParameter(ctx.array(), "dst")
        .addParameter(TypeName.INT, "dstOff")
        .addCode(c.build())
        .build();
  }

  /** A split layer's z = (first block's sums + second's) + b, then σ without a range kernel. */
  private MethodSpec addBlocksMethod(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    int out = layer.outSize();
    ClassName v = loops.vectorType();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "p", ctx.aligned().blockSums(index));
    ctx.declareArray(c, "b", n.bias());
    ctx.declareArray(c, "z", n.z());
    c.addStatement("int o = 0");
    c.beginControlFlow("for (; o + LANES <= $L; o += LANES)", out)
        .addStatement("$T.fromArray(SPECIES, p, o).add($T.fromArray(SPECIES, p, $L + o))"
            + ".add($T.fromArray(SPECIES, b, o)).intoArray(z, o)", v, v, out, v)
        .endControlFlow();
    c.beginControlFlow("for (; o < $L; o++)", out)
        .addStatement("z[o] = p[o] + p[$L + o] + b[o]", out)
        .endControlFlow();
    boolean sigmaHere = sigma(layer).isEmpty();
    if (sigmaHere) {
      ctx.declareArray(c, "a", n.act());
      c.beginControlFlow("for (int j = 0; j < $L; j++)", out)
          .addStatement("a[j] = $L", ctx.value(layer.activation(), "z[j]"))
          .endControlFlow();
    }
    return MethodSpec.methodBuilder(addBlocksName(index))
        .addJavadoc("Layer $L's z for predict: the sums of its two blocks of inputs added, then "
            + "the bias$L.\n", Javadoc.escape(layer.name()), sigmaHere ? "; then σ" : "")
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }

  /**
   * One tile of {@code vectors} vectors of outputs from o, whose runs start at {@code block} +
   * input × {@code width} (an operand: parenthesized): sums down the list, then into dst (+ b
   * where {@code bias}).
   */
  private static void tile(CodeBlock.Builder c, ClassName v, CodeBlock width, int vectors,
      boolean bias) {
    for (int t = 0; t < vectors; t++) {
      c.addStatement("$T s$L = $T.zero(SPECIES)", v, t, v);
    }
    c.beginControlFlow("for (int k = kFrom; k < kTo; k++)");
    c.addStatement("$T xv = $T.broadcast(SPECIES, x[xOff + at[k]])", v, v);
    c.addStatement("int col = block + at[k] * $L", width);
    for (int t = 0; t < vectors; t++) {
      c.addStatement("s$L = $T.fromArray(SPECIES, w, col$L).fma(xv, s$L)", t, v, lanes(t), t);
    }
    c.endControlFlow();
    for (int t = 0; t < vectors; t++) {
      if (bias) {
        c.addStatement("s$L.add($T.fromArray(SPECIES, b, o$L)).intoArray(dst, dstOff + o$L)", t,
            v, lanes(t), lanes(t));
      } else {
        c.addStatement("s$L.intoArray(dst, dstOff + o$L)", t, lanes(t));
      }
    }
  }

  private static String lanes(int t) {
    return t == 0 ? "" : t == 1 ? " + LANES" : " + " + t + " * LANES";
  }
}
