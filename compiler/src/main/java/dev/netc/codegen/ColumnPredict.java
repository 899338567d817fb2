package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Precision;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * {@code predict}'s forward pass of a large dense layer over its weights by columns: z = b + Σ_j
 * x_j W[:, j] over the inputs x_j that are not zero, each column a run of the layer's outputs
 * ({@link AlignedWeights} keeps the transposed copy, [in][out], on a 64-byte line).
 *
 * <p>Why: one example's forward pass reads every weight once, so it runs at the speed the
 * weights stream from cache, and a zero input's column need not be read at all. Half of a
 * Fashion-MNIST image's pixels are 0 (from 5 % to 88 %), and so are about half of a relu layer's
 * outputs. On the Intel Xeon host the 784 × 256 layer took 6.4 µs by rows and 3.4 µs by columns
 * over Fashion images; 5.5 µs by columns over dense random inputs, since no row's vector sum
 * is reduced across lanes (docs/performance.md).
 *
 * <p>The sums: each output is {@code fma(x_j, W[o][j], s)} over the nonzero x_j in increasing j
 * from s = 0, then + b[o]: a different order from the rows' vector sums, so predict over the
 * columns may differ from the rows (the first predicts after a write, predictBatch, training's
 * forward pass) in the last bits, within the tolerance the vector kernels keep against the
 * interpreter. Whatever the team or the vector width, a column copy's sums are the same bits
 * (each output's terms in one order). A zero input is skipped where its term would be x_j · W =
 * ±0, so only a weight that is infinite or NaN, whose product with 0 is NaN, changes the result.
 *
 * <p>The nonzero inputs are listed once per layer ({@code listNonzero}, branch-free: with a
 * branch per input instead, C2 did not keep the accumulators in registers), then each tile of 8
 * vectors of outputs runs down the list. Over a team ({@link PredictSplit}) each part lists
 * them into a list of its own and runs its outputs.
 */
final class ColumnPredict {
  /** The fields and helper of the nonzero inputs (reserved in {@link Names#RESERVED}). */
  static final String AT = "nonzeroAt";
  static final String VALUE = "nonzeroValue";
  static final String LIST = "listNonzero";
  static final String GROW = "nonzeroLists";
  /** Vectors of outputs per tile: 8 accumulators, a broadcast and a load fit AVX2's 16. */
  private static final int TILE_VECTORS = 8;
  /** Side of the blocks the transposition copies (a block's lines stay in L1). */
  private static final int TRANSPOSE_BLOCK = 16;

  private final EmitContext ctx;
  private final Backend backend;

  ColumnPredict(EmitContext ctx, Backend backend) {
    this.ctx = ctx;
    this.backend = backend;
  }

  /**
   * Statements that copy {@code weights} ([out][in]) transposed into {@code copy} from {@code
   * start} on ([in][out]), in square blocks: 4.1 → 0.9 µs per 100 rows of the 784 × 256 layer
   * on the Intel Xeon host against a row-by-row transposition.
   */
  static void transpose(CodeBlock.Builder c, String weights, String copy, String start, int out,
      int in) {
    int b = TRANSPOSE_BLOCK;
    c.beginControlFlow("for (int ob = 0; ob < $L; ob += $L)", out, b)
        .beginControlFlow("for (int ib = 0; ib < $L; ib += $L)", in, b)
        .beginControlFlow("for (int o = ob, oEnd = Math.min(ob + $L, $L); o < oEnd; o++)", b,
            out)
        .beginControlFlow("for (int i = ib, iEnd = Math.min(ib + $L, $L); i < iEnd; i++)", b,
            in)
        .addStatement("$N[$N + i * $L + o] = $N[o * $L + i]", copy, start, out, weights, in)
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .endControlFlow();
  }

  /**
   * The nonzero inputs' lists, one per part of a team (part 0's also the calling thread's alone),
   * sized for the widest column layer; none without one.
   */
  static List<FieldSpec> fields(dev.netc.ir.Network network, AlignedWeights aligned) {
    int widest = widest(network, aligned);
    if (widest == 0) {
      return List.of();
    }
    TypeName scalar = network.precision() == Precision.FLOAT ? TypeName.FLOAT : TypeName.DOUBLE;
    return List.of(
        FieldSpec.builder(int[][].class, AT, Modifier.PRIVATE)
            .addJavadoc("Per part, where the nonzero inputs of the layer predict runs by columns "
                + "are (grown to the\nteam's threads by {@link #$N}).\n", GROW)
            .initializer("new int[1][$L]", widest).build(),
        FieldSpec.builder(com.palantir.javapoet.ArrayTypeName.of(
                com.palantir.javapoet.ArrayTypeName.of(scalar)), VALUE, Modifier.PRIVATE)
            .addJavadoc("Per part, their values in the same order.\n")
            .initializer("new $T[1][$L]", scalar, widest).build());
  }

  private static int widest(dev.netc.ir.Network network, AlignedWeights aligned) {
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
          .addStatement("$N = new $T[threads][$L]", VALUE, ctx.scalar(), widest)
          .endControlFlow()
          .build());
    }
    return CodeBlock.of("$N(team.threads());\n", GROW);
  }

  /**
   * The statement that lists the nonzero inputs of {@code count} values at {@code x[xOff]} into
   * part {@code part}'s list and sets the local {@code count} to their number.
   */
  private CodeBlock list(CodeBlock x, CodeBlock xOff, int count, String part) {
    if (!ctx.helpers().has(LIST)) {
      ctx.helpers().add(listMethod());
    }
    return CodeBlock.builder()
        .addStatement("int[] at = $N[$L]", AT, part)
        .addStatement("$T vs = $N[$L]", ctx.array(), VALUE, part)
        .addStatement("int count = $N($L, $L, $L, at, vs)", LIST, x, xOff, count)
        .build();
  }

  private MethodSpec listMethod() {
    String zero = ctx.precision() == Precision.FLOAT ? "0f" : "0.0";
    return MethodSpec.methodBuilder(LIST)
        .addJavadoc("Lists the inputs at {@code x[xOff .. xOff + count - 1]} that are not zero "
            + "(NaN is listed) in\n{@code at} and {@code v}, without a branch per input; returns "
            + "how many there are.\n")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(TypeName.INT)
        .addParameter(ctx.array(), "x")
        .addParameter(TypeName.INT, "xOff")
        .addParameter(TypeName.INT, "count")
        .addParameter(int[].class, "at")
        .addParameter(ctx.array(), "v")
        .addStatement("int k = 0")
        .beginControlFlow("for (int j = 0; j < count; j++)")
        .addStatement("$T xj = x[xOff + j]", ctx.scalar())
        .addStatement("at[k] = j")
        .addStatement("v[k] = xj")
        .addStatement("k += xj != $L ? 1 : 0", zero)
        .endControlFlow()
        .addStatement("return k")
        .build();
  }

  /**
   * Statements of layer {@code index}'s part {@code part} of {@code parts} over the team: lists
   * the nonzero inputs at {@code x[xOff]} into its own list, then runs its outputs. σ by a range
   * kernel follows on the calling thread ({@link PredictSplit#call}).
   */
  CodeBlock part(int index, CodeBlock x, CodeBlock xOff) {
    Layer layer = ctx.network().layers().get(index);
    return CodeBlock.builder()
        .add(list(x, xOff, layer.inSize(), "part"))
        .addStatement("$N(at, vs, count, $L)", rangeName(index),
            VectorBatchKernels.partRows(ctx, layer.outSize()))
        .build();
  }

  /**
   * Layer {@code index}'s forward pass for predict over its columns, on one thread: lists its
   * nonzero inputs, runs its outputs ({@link #rangeMethod}, added to the helpers), then σ's
   * range kernel where the backend has one.
   */
  MethodSpec forward(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    ctx.helpers().add(rangeMethod(index));
    CodeBlock.Builder c = CodeBlock.builder();
    c.add(list(CodeBlock.of("$N", ctx.inputOf(index)), CodeBlock.of("0"), layer.inSize(), "0"));
    c.addStatement("$N(at, vs, count, 0, $L)", rangeName(index), layer.outSize());
    sigma(layer).ifPresent(range -> {
      ctx.declareArray(c, "z", n.z());
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

  /** The name of layer {@code index}'s method over outputs from .. to - 1. */
  String rangeName(int index) {
    return ctx.aligned().forwardMethod(index) + "Range";
  }

  /**
   * Layer {@code index}'s z over outputs {@code from .. to - 1} (multiples of the lanes), from
   * the listed nonzero inputs; σ too where it has no range kernel.
   */
  private MethodSpec rangeMethod(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    Activation act = layer.activation();
    int out = layer.outSize();
    ClassName v = new VectorLoops(ctx).vectorType();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "w", ctx.aligned().copy(index));
    c.addStatement("int ws = $N", ctx.aligned().start(index));
    ctx.declareArray(c, "b", n.bias());
    ctx.declareArray(c, "z", n.z());
    c.addStatement("int o = from");
    c.add("// $L vectors of outputs at a time, each column's run read once per tile.\n",
        TILE_VECTORS);
    c.beginControlFlow("for (; o + $L * LANES <= to; o += $L * LANES)", TILE_VECTORS,
        TILE_VECTORS);
    tile(c, v, out, TILE_VECTORS);
    c.endControlFlow();
    c.beginControlFlow("for (; o < to; o += LANES)");
    tile(c, v, out, 1);
    c.endControlFlow();
    if (sigma(layer).isEmpty()) {
      ctx.declareArray(c, "a", n.act());
      c.beginControlFlow("for (int j = from; j < to; j++)")
          .addStatement("a[j] = $L", ctx.value(act, "z[j]"))
          .endControlFlow();
    }
    return MethodSpec.methodBuilder(rangeName(index))
        .addJavadoc("Layer $L's z for predict over outputs from .. to - 1 (multiples of LANES), "
            + "from the nonzero\ninputs listed in at and vs and the columns of its weights$L.\n",
            Javadoc.escape(layer.name()), sigma(layer).isEmpty() ? ", then σ" : "")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(int[].class, "at")
        .addParameter(ctx.array(), "vs")
        .addParameter(TypeName.INT, "count")
        .addParameter(TypeName.INT, "from")
        .addParameter(TypeName.INT, "to")
        .addCode(c.build())
        .build();
  }

  /** One tile of {@code vectors} vectors of outputs from o: sums down the list, then + b. */
  private static void tile(CodeBlock.Builder c, ClassName v, int out, int vectors) {
    for (int t = 0; t < vectors; t++) {
      c.addStatement("$T s$L = $T.zero(SPECIES)", v, t, v);
    }
    c.beginControlFlow("for (int k = 0; k < count; k++)");
    c.addStatement("$T xv = $T.broadcast(SPECIES, vs[k])", v, v);
    c.addStatement("int col = ws + at[k] * $L + o", out);
    for (int t = 0; t < vectors; t++) {
      c.addStatement("s$L = $T.fromArray(SPECIES, w, col$L).fma(xv, s$L)", t, v, lanes(t), t);
    }
    c.endControlFlow();
    for (int t = 0; t < vectors; t++) {
      c.addStatement("s$L.add($T.fromArray(SPECIES, b, o$L)).intoArray(z, o$L)", t, v, lanes(t),
          lanes(t));
    }
  }

  private static String lanes(int t) {
    return t == 0 ? "" : t == 1 ? " + LANES" : " + " + t + " * LANES";
  }
}
