package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * The backward pass of a convolution followed by a max pool whose windows do not overlap,
 * over the pool's maxima only (vector backend). Such a pool sends each output's δ to one input,
 * its window's maximum, so at most one of every window's positions has a δ that is not zero:
 * for the Fashion CNN's conv2 (2 × 2 windows) one position in four, fewer behind a relu. The
 * dense kernels ({@link VectorConv}) multiply every zero; these visit the maxima (the pool's
 * argmax), skipping the zero δ among them:
 *
 * <ul>
 *   <li>weight gradient: for each output channel o and each of its maxima p with δ ≠ 0,
 *       {@code ∂W[o][ki][kj][ci] += δ · x[ci][oy·S + ki − P][ox·S + kj − P]}. In a copy of the
 *       input laid out row by row with the channels innermost and a zero border of the padding
 *       ({@code H × W × C}, "HWC"), the KW · C values of one kernel row are one run, so each
 *       maximum adds whole vectors to accumulators in registers. The gradient of a batch is kept
 *       in that [o][ki][kj][ci] order and added to the weight gradient once per batch;
 *   <li>input delta: for each position, the maxima of every channel there (a list built from
 *       the argmax), {@code Σ_o δ[o][p] · W[o][ki][kj][ci]} summed in registers over a copy of
 *       the weights in the same order, then added to the input delta's runs in HWC, which is
 *       copied out into the channel-planes layout at the end.
 * </ul>
 *
 * <p>Every kernel row's run is taken as a whole number of vectors at every vector width: KW · C
 * values rounded up to 512 bits ({@link #run}; where that adds more than a quarter, the dense
 * kernels stay: {@link #applies}). The values past a run belong to the next pixel (or to a tail
 * of zeros past the buffers): the gradient's sums for them land in slots that the once-per-batch
 * settle never reads, and the input delta adds them times the weight copy's zero padding, so
 * nothing changes (an infinite or NaN δ would make that NaN one pixel further than the dense
 * kernels do: training has diverged by then). Tiles of up to {@value #ACCUMULATORS}
 * accumulators (kernel rows × vectors of one row, whichever fill them) are written out for 512-
 * and 256-bit vectors; other widths run one-vector tiles in a loop. Measured on the Zen 3 host
 * (docs/performance.md): the Fashion CNN's conv2 weight gradient and input delta took 22.8 and
 * 36.3 µs per example in the dense kernels, 10.6 and 14.0 this way.
 */
final class PooledConvBackward {
  /** Accumulators per tile: 12 of AVX2's 16 registers, leaving a broadcast and a load. */
  private static final int ACCUMULATORS = 12;

  private final Conv2d conv;
  private final EmitContext ctx;
  private final ClassName vector;
  private final String argmax;
  private final int inChannels;
  private final int kh;
  private final int kw;
  private final int padH;
  private final int padW;
  private final int inH;
  private final int inW;
  private final int outChannels;
  private final int positions;
  /** Maxima per output channel: the pool's output plane. */
  private final int maxima;
  /** Values per padded input row in HWC: (W + 2P) · C. */
  private final int row;
  /**
   * Values per kernel row's run as the tiles take it: KW · C rounded up to 512 bits; the rows
   * of the weight and gradient copies are this long.
   */
  private final int run;
  /** Values past the HWC buffers, zero, that the last window's runs read. */
  private final int tail;
  private final int hwcSize;
  private final String hwcInput;
  private final String hwcDelta;
  private final String weightsT;
  private final String gradientT;
  private final String offsets;
  private final String deltas;
  private final String counts;
  private final String listOffsets;
  private final String listDeltas;
  private final String positionOffsets;
  private final String settle;
  /** The method that copies the weights into {@link #weightsT}; null without an input delta. */
  private final String prepare;
  /** True if the layer has an input delta to compute: not the first layer. */
  private final boolean propagates;
  /** {@link #positionOffsets}: a table computed at class initialization. */
  private final FieldSpec positionTable;
  /** Tile methods by shape: rows × vectors. */
  private final Map<List<Integer>, Tiles> tiles = new LinkedHashMap<>();

  /** The two tile methods of one shape; {@code delta} null where the layer has no input delta. */
  private record Tiles(String gradient, String delta) {}

  /**
   * True if {@code conv} trains and the next layer is a max pool whose windows do not overlap,
   * with kernel rows (KW · C values) that 512-bit vectors fill at least four fifths of: the
   * values past a row are work for nothing.
   */
  static boolean applies(Conv2d conv, EmitContext ctx) {
    List<Layer> layers = ctx.network().layers();
    int next = conv.index() + 1;
    if (!ctx.trainable() || next >= layers.size()
        || !(layers.get(next) instanceof MaxPool2d pool)) {
      return false;
    }
    Window w = pool.window();
    int values = conv.window().kernelWidth() * conv.inputShape().channels();
    return w.strideHeight() >= w.kernelHeight() && w.strideWidth() >= w.kernelWidth()
        && 4 * span(values, ctx) <= 5 * values;
  }

  /** {@code values} rounded up to a whole number of 512-bit vectors. */
  private static int span(int values, EmitContext ctx) {
    int lanes = ctx.precision() == Precision.FLOAT ? 16 : 8;
    return (values + lanes - 1) / lanes * lanes;
  }

  PooledConvBackward(Conv2d conv, EmitContext ctx, VectorLoops loops) {
    this.conv = conv;
    this.ctx = ctx;
    this.vector = loops.vectorType();
    MaxPool2d pool = (MaxPool2d) ctx.network().layers().get(conv.index() + 1);
    this.argmax = ctx.argmaxOf(pool);
    Shape.Image in = conv.inputShape();
    Shape.Image out = conv.outputShape();
    Window win = conv.window();
    this.inChannels = in.channels();
    this.inH = in.height();
    this.inW = in.width();
    this.kh = win.kernelHeight();
    this.kw = win.kernelWidth();
    this.padH = win.padHeight();
    this.padW = win.padWidth();
    this.outChannels = out.channels();
    this.propagates = conv.index() > 0;
    this.positions = out.height() * out.width();
    Shape.Image pooled = pool.outputShape();
    this.maxima = pooled.height() * pooled.width();
    this.row = (inW + 2 * padW) * inChannels;
    this.run = span(kw * inChannels, ctx);
    this.tail = run - kw * inChannels;
    this.hwcSize = (inH + 2 * padH) * row;
    Names names = ctx.names();
    String base = conv.name();
    this.hwcInput = names.helper(base + "InputHwc");
    this.hwcDelta = names.helper(base + "InputDeltaHwc");
    this.weightsT = names.helper(base + "WeightHwc");
    this.gradientT = names.helper(base + "GradientHwc");
    this.offsets = names.helper(base + "MaxOffsets");
    this.deltas = names.helper(base + "MaxDeltas");
    this.counts = names.helper(base + "MaxCounts");
    this.listOffsets = names.helper(base + "MaxWeightOffsets");
    this.listDeltas = names.helper(base + "MaxListDeltas");
    this.positionOffsets = names.helper(base + "PositionOffsets");
    this.settle = names.helper(base + "SettleGradient");
    this.prepare = propagates ? names.helper(base + "PrepareBackward") : null;
    int strideH = win.strideHeight();
    int strideW = win.strideWidth();
    int ow = out.width();
    this.positionTable = FieldSpec.builder(int[].class, positionOffsets, Modifier.PRIVATE,
            Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("$L\n", Javadoc.escape("Where the window of " + conv.name() + "'s position"
            + " p = oy · " + ow + " + ox starts in its HWC input: oy · " + strideH + " · " + row
            + " + ox · " + strideW + " · " + inChannels + "."))
        .initializer("$T.range(0, $L).map(p -> p / $L * $L + p % $L * $L).toArray()",
            java.util.stream.IntStream.class, positions, ow, strideH * row, ow,
            strideW * inChannels)
        .build();
    int scalarLanes256 = ctx.precision() == Precision.FLOAT ? 8 : 4;
    for (int lanes : new int[] {2 * scalarLanes256, scalarLanes256}) {
      for (int[] t : plan(lanes)) {
        shape(t[1], t[3]);
      }
    }
    shape(1, 1);
  }

  /**
   * The tiles for {@code lanes} lanes: {ki0, rows, c0 (vector), vectors}. Whole kernel rows
   * where they fit the accumulators, else each row in pieces.
   */
  private List<int[]> plan(int lanes) {
    int perRow = run / lanes;
    List<int[]> plan = new ArrayList<>();
    if (perRow <= ACCUMULATORS) {
      int rows = Math.min(kh, ACCUMULATORS / perRow);
      for (int ki = 0; ki < kh; ki += rows) {
        plan.add(new int[] {ki, Math.min(rows, kh - ki), 0, perRow});
      }
    } else {
      for (int ki = 0; ki < kh; ki++) {
        for (int c = 0; c < perRow; c += ACCUMULATORS) {
          plan.add(new int[] {ki, 1, c, Math.min(ACCUMULATORS, perRow - c)});
        }
      }
    }
    return plan;
  }

  private void shape(int rows, int vectors) {
    tiles.computeIfAbsent(List.of(rows, vectors), k -> {
      String g = ctx.names().helper(conv.name() + "MaxGradientTile" + rows + "x" + vectors);
      String d = ctx.names().helper(conv.name() + "MaxDeltaTile" + rows + "x" + vectors);
      ctx.helpers().add(gradientTile(g, rows, vectors));
      if (propagates) {
        ctx.helpers().add(deltaTile(d, rows, vectors));
      }
      return new Tiles(g, propagates ? d : null);
    });
  }

  List<FieldSpec> fields() {
    List<FieldSpec> f = new ArrayList<>();
    f.add(Javadoc.on(ctx.buffer(hwcInput, hwcSize + tail), conv.name() + "'s input of the example,"
        + " rows of " + row + " values with the channels innermost and a zero border of the"
        + " padding (the border stays zero)."));
    f.add(Javadoc.on(ctx.buffer(gradientT, outChannels * kh * run), conv.name() + "'s weight"
        + " gradient of this batch as [o][ki][kj][ci]; zero between batches."));
    f.add(ctx.intBuffer(offsets, maxima, "Where the windows of one channel's maxima with a δ"
        + " start in " + hwcInput + "."));
    f.add(Javadoc.on(ctx.buffer(deltas, maxima), "The δ of those maxima."));
    f.add(positionTable);
    if (!propagates) {
      return f;
    }
    f.add(Javadoc.on(ctx.buffer(hwcDelta, hwcSize + tail), "The input delta of " + conv.name()
        + " before σ', laid out as " + hwcInput + "."));
    f.add(Javadoc.on(ctx.buffer(weightsT, outChannels * kh * run), conv.name() + "'s weights"
        + " as [o][ki][kj][ci] for the input delta, copied once per batch (the padding of each"
        + " kernel row stays zero)."));
    f.add(ctx.intBuffer(counts, positions, "How many channels have their maximum, with a δ, at"
        + " each position of " + conv.name() + "."));
    f.add(ctx.intBuffer(listOffsets, positions * outChannels, "Per position, where the weights of"
        + " each of those channels start in " + weightsT + "."));
    f.add(Javadoc.on(ctx.buffer(listDeltas, positions * outChannels), "Per position, the δ of"
        + " those channels."));
    return f;
  }

  /** The weight gradient over the locals {@code d} (the layer's δ) and {@code x}. */
  void weightGradient(CodeBlock.Builder c) {
    ctx.declareArray(c, "xh", hwcInput);
    eachInputValue(c, "xh[hwc] = x[plane]");
    c.addStatement("int[] arg = $N", argmax);
    c.addStatement("int[] offs = $N", offsets);
    ctx.declareArray(c, "ds", deltas);
    c.beginControlFlow("for (int o = 0; o < $L; o++)", outChannels);
    c.addStatement("int n = 0");
    c.beginControlFlow("for (int q = o * $L, end = q + $L; q < end; q++)", maxima, maxima);
    c.addStatement("int at = arg[q]");
    c.addStatement("$T v = d[at]", ctx.scalar());
    c.addStatement("offs[n] = $N[at - o * $L]", positionOffsets, positions);
    c.addStatement("ds[n] = v");
    c.add("// Branch-free: the next maximum overwrites this one if its δ is zero.\n");
    c.addStatement("n += v != 0 ? 1 : 0");
    c.endControlFlow();
    c.beginControlFlow("if (n > 0)");
    tileCalls(c, Tiles::gradient, (tile, hwc, kernel) -> CodeBlock.of("$N(n, $L, o * $L + $L)",
        tile, hwc, kh * run, kernel));
    c.endControlFlow();
    c.endControlFlow();
  }

  /** The input delta before σ' over the locals {@code w, d, g}. */
  void inputDelta(CodeBlock.Builder c) {
    c.addStatement("int[] arg = $N", argmax);
    c.addStatement("int[] counts = $N", counts);
    c.addStatement("int[] lo = $N", listOffsets);
    ctx.declareArray(c, "ld", listDeltas);
    c.addStatement("$T.fill(counts, 0)", java.util.Arrays.class);
    c.beginControlFlow("for (int o = 0; o < $L; o++)", outChannels);
    c.beginControlFlow("for (int q = o * $L, end = q + $L; q < end; q++)", maxima, maxima);
    c.addStatement("int at = arg[q]");
    c.addStatement("int p = at - o * $L", positions);
    c.addStatement("$T v = d[at]", ctx.scalar());
    c.addStatement("int k = counts[p]");
    c.addStatement("lo[p * $L + k] = o * $L", outChannels, kh * run);
    c.addStatement("ld[p * $L + k] = v", outChannels);
    c.addStatement("counts[p] = k + (v != 0 ? 1 : 0)");
    c.endControlFlow();
    c.endControlFlow();
    ctx.declareArray(c, "dh", hwcDelta);
    c.addStatement("$T.fill(dh, $L)", java.util.Arrays.class, ctx.lit(0));
    c.beginControlFlow("for (int p = 0; p < $L; p++)", positions);
    c.addStatement("int n = counts[p]");
    c.beginControlFlow("if (n > 0)");
    c.addStatement("int lb = p * $L", outChannels);
    c.addStatement("int xo = $N[p]", positionOffsets);
    tileCalls(c, Tiles::delta, (tile, hwc, kernel) -> CodeBlock.of("$N(lb, n, $L, xo + $L)",
        tile, kernel, hwc));
    c.endControlFlow();
    c.endControlFlow();
    eachInputValue(c, "g[plane] = dh[hwc]");
  }

  /**
   * Loops over the layer's input values, {@code statement} run with the locals {@code plane}
   * (the value's index in channel planes) and {@code hwc} (its index in the HWC buffers).
   */
  private void eachInputValue(CodeBlock.Builder c, String statement) {
    c.beginControlFlow("for (int ci = 0; ci < $L; ci++)", inChannels);
    c.beginControlFlow("for (int y = 0; y < $L; y++)", inH);
    c.addStatement("int planeRow = (ci * $L + y) * $L", inH, inW);
    c.addStatement("int hwcRow = (y + $L) * $L + $L + ci", padH, row, padW * inChannels);
    c.beginControlFlow("for (int i = 0; i < $L; i++)", inW);
    c.addStatement("int plane = planeRow + i");
    c.addStatement("int hwc = hwcRow + i * $L", inChannels);
    c.addStatement(statement);
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
  }

  /**
   * Loops over the layer's weights, {@code statement} run with the locals {@code k} (the
   * weight's index as [o][ci][ki][kj]) and {@code t} (its index as [o][ki][kj][ci], rows of
   * {@link #run}).
   */
  private void eachWeight(CodeBlock.Builder c, String statement) {
    c.beginControlFlow("for (int o = 0; o < $L; o++)", outChannels);
    c.beginControlFlow("for (int ci = 0; ci < $L; ci++)", inChannels);
    c.beginControlFlow("for (int ki = 0; ki < $L; ki++)", kh);
    c.beginControlFlow("for (int kj = 0; kj < $L; kj++)", kw);
    c.addStatement("int k = ((o * $L + ci) * $L + ki) * $L + kj", inChannels, kh, kw);
    c.addStatement("int t = (o * $L + ki) * $L + kj * $L + ci", kh, run, inChannels);
    c.addStatement(statement);
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
  }

  private interface Call {
    /**
     * The call of {@code tile} for the piece that starts {@code hwc} past a window's start in the
     * HWC rows and {@code kernel} past a kernel's start in the weight and gradient copies.
     */
    CodeBlock of(String tile, String hwc, String kernel);
  }

  /**
   * The tile calls over one kernel: written out for 512- and 256-bit vectors, otherwise a loop
   * of one-vector tiles.
   */
  private void tileCalls(CodeBlock.Builder c, java.util.function.Function<Tiles, String> which,
      Call call) {
    int lanes256 = ctx.precision() == Precision.FLOAT ? 8 : 4;
    boolean first = true;
    for (int lanes : new int[] {2 * lanes256, lanes256}) {
      if (first) {
        c.beginControlFlow("if (LANES == $L)", lanes);
        first = false;
      } else {
        c.nextControlFlow("else if (LANES == $L)", lanes);
      }
      for (int[] t : plan(lanes)) {
        String tile = which.apply(tiles.get(List.of(t[1], t[3])));
        String hwc = String.valueOf(t[0] * row + t[2] * lanes);
        String kernel = String.valueOf(t[0] * run + t[2] * lanes);
        c.addStatement(call.of(tile, hwc, kernel));
      }
    }
    c.nextControlFlow("else");
    String one = which.apply(tiles.get(List.of(1, 1)));
    c.beginControlFlow("for (int ki = 0; ki < $L; ki++)", kh);
    c.beginControlFlow("for (int j = 0; j < $L; j += LANES)", run);
    c.addStatement(call.of(one, "ki * " + row + " + j", "ki * " + run + " + j"));
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
  }

  /**
   * Weight-gradient tile: {@code rows} kernel rows × {@code vectors} vectors of each, over the
   * first {@code n} maxima listed in {@link #offsets} and {@link #deltas}, reading the HWC input
   * from {@code xo} past each window's start and adding to the gradient at {@code go}.
   */
  private MethodSpec gradientTile(String name, int rows, int vectors) {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "xh", hwcInput);
    ctx.declareArray(c, "gt", gradientT);
    c.addStatement("int[] offs = $N", offsets);
    ctx.declareArray(c, "ds", deltas);
    sums(c, rows, vectors, "int i = 0; i < n; i++", "ds[i]", "offs[i] + xo", "xh", row, "gt",
        "go", run);
    return MethodSpec.methodBuilder(name)
        .addJavadoc("Layer $L: weight gradient over the maxima, $L kernel rows × $L vectors.\n",
            conv.name(), rows, vectors)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(int.class, "n")
        .addParameter(int.class, "xo")
        .addParameter(int.class, "go")
        .addCode(c.build())
        .build();
  }

  /**
   * Input-delta tile: the sums over the {@code n} channels listed from {@code lb} for one
   * position, {@code rows} kernel rows × {@code vectors} vectors from {@code wo} into each
   * window's weights, added to the HWC input delta at {@code xo}.
   */
  private MethodSpec deltaTile(String name, int rows, int vectors) {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "wt", weightsT);
    ctx.declareArray(c, "dh", hwcDelta);
    c.addStatement("int[] lo = $N", listOffsets);
    ctx.declareArray(c, "ld", listDeltas);
    sums(c, rows, vectors, "int i = lb, end = lb + n; i < end; i++", "ld[i]", "lo[i] + wo", "wt",
        run, "dh", "xo", row);
    return MethodSpec.methodBuilder(name)
        .addJavadoc("Layer $L: input delta at one position, $L kernel rows × $L vectors.\n",
            conv.name(), rows, vectors)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(int.class, "lb")
        .addParameter(int.class, "n")
        .addParameter(int.class, "wo")
        .addParameter(int.class, "xo")
        .addCode(c.build())
        .build();
  }

  /**
   * The body of a tile: {@code rows} × {@code vectors} accumulators, each iteration of {@code
   * loop} adding the broadcast {@code delta} times the vectors of {@code from} at {@code base}
   * (rows {@code fromRow} apart); then the accumulators added into {@code to} at {@code toBase}
   * (rows {@code toRow} apart).
   */
  private void sums(CodeBlock.Builder c, int rows, int vectors, String loop, String delta,
      String base, String from, int fromRow, String to, String toBase, int toRow) {
    for (int r = 0; r < rows; r++) {
      for (int v = 0; v < vectors; v++) {
        c.addStatement("$T a$L_$L = $T.zero(SPECIES)", vector, r, v, vector);
      }
    }
    c.beginControlFlow("for ($L)", loop);
    c.addStatement("$T dv = $T.broadcast(SPECIES, $L)", vector, vector, delta);
    c.addStatement("int at = $L", base);
    for (int r = 0; r < rows; r++) {
      for (int v = 0; v < vectors; v++) {
        c.addStatement("a$L_$L = $T.fromArray(SPECIES, $L, at + $L).fma(dv, a$L_$L)", r, v,
            vector, from, offset(r, v, fromRow), r, v);
      }
    }
    c.endControlFlow();
    for (int r = 0; r < rows; r++) {
      for (int v = 0; v < vectors; v++) {
        String at = toBase + " + " + offset(r, v, toRow);
        c.addStatement("a$L_$L.add($T.fromArray(SPECIES, $L, $L)).intoArray($L, $L)", r, v,
            vector, to, at, to, at);
      }
    }
  }

  private static String offset(int r, int v, int rowLength) {
    return r * rowLength + " + " + v + " * LANES";
  }

  /**
   * Copies the weights into {@link #weightsT}, which every example's input delta reads, once
   * per batch: copied per example, LeNet-5's conv2 (2,400 weights) spent 1.3 of its input
   * delta's 4.5 µs on it (Intel Xeon host, docs/performance.md). Null for the first layer.
   */
  MethodSpec prepareBackward() {
    if (prepare == null) {
      return null;
    }
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "w", ctx.names().layer(conv.index()).weight());
    ctx.declareArray(c, "wt", weightsT);
    // Plain loops: called once per batch (see VectorConv's settle).
    eachWeight(c, "wt[t] = w[k]");
    return MethodSpec.methodBuilder(prepare)
        .addJavadoc("Layer $L: copies the weights as [o][ki][kj][ci] for this batch's input"
            + " deltas.\n", conv.name())
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }

  /** Adds the batch's gradient, kept as [o][ki][kj][ci], to the weight gradient. */
  MethodSpec settle() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "gw", ctx.names().layer(conv.index()).weightGrad());
    ctx.declareArray(c, "gt", gradientT);
    // Plain loops: called once per batch (see VectorConv's settle).
    eachWeight(c, "gw[k] += gt[t]");
    c.addStatement("$T.fill(gt, $L)", java.util.Arrays.class, ctx.lit(0));
    return MethodSpec.methodBuilder(settle)
        .addJavadoc("Layer $L: adds this batch's weight gradient, kept as [o][ki][kj][ci], to"
            + " the gradient and clears it.\n", conv.name())
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }
}
