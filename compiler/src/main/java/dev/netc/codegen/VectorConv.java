package dev.netc.codegen;

import static dev.netc.codegen.CodegenPolicy.RegisterTiles.NARROW;
import static dev.netc.codegen.CodegenPolicy.RegisterTiles.WIDE;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import dev.netc.ir.Activation;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import javax.lang.model.element.Modifier;

/**
 * One example's convolution lowered to GEMMs over the output positions p = (oy, ox), written with
 * the Vector API (the vector backend's). With k = (ci, ki, kj) and {@code col[k][p]} the input
 * value that tap k of position p reads (im2col, zero where it falls into the padding):
 *
 * <ul>
 *   <li>forward {@code z[o][p] = b[o] + Σ_k W[o][k] col[k][p]}: tiles of {@code rows} output
 *       channels × 4 vectors of positions, or 8 × 3 or 6 × 4 where the channels allow and the
 *       sums are long ({@link #wideRows}; {@code rows} × 2 on a CPU with 16 vector registers, see
 *       {@link CodegenPolicy.RegisterTiles}) in registers, one FMA per weight broadcast and column
 *       vector, over k; for relu and identity the tile also stores the activations (relu as a
 *       compare and blend, exact, NaN to 0), so no separate activation pass runs;
 *   <li>weight gradient {@code ∂W[o][k] += Σ_p δ[o][p] col[k][p]}: tiles of {@code rows} channels
 *       × up to 4 taps of vector dot products over p, their lanes summed once per batch; or,
 *       where the channels fill 512-bit vectors, transposed ({@link #transposedGradient});
 *   <li>predict's forward pass of a stride-1 layer, where measured faster, reads the input in
 *       place from a zero-bordered copy instead of col ({@link #predictForward});
 *   <li>input delta of a stride-1 layer with padding below the kernel: δ set into a buffer with
 *       a zero border, then convolved with the flipped kernels by tiles of input channels ×
 *       vectors of positions, over (o, ki, kj) ({@link #flippedDelta}); of any other layer
 *       {@code dcol[k][p] = Σ_o W[o][k] δ[o][p]} (tiles as forward, over o), then col2im: each
 *       {@code dcol[k][p]} added to the input value it came from;
 *   <li>weight gradient and input delta of a layer before a max pool whose windows do not
 *       overlap, where most δ are zero: over the pool's maxima only ({@link PooledConvBackward}).
 * </ul>
 *
 * <p>A layer of stride 1 and more than one kernel row, without column padding or as wide as its
 * input, keeps only one row of col per input channel and kernel column, its padded input's
 * rows, from which every kernel row reads its taps' positions at its own offset
 * ({@link #sharesRows}); what follows about col's rows is about the other layers'.
 *
 * <p>The rows of col, dcol and the padded δ hold {@code stride} values, the positions rounded up
 * to 512 bits, so every tile reads whole vectors; the padding columns of col and of the padded
 * δ are zero forever (nothing writes them, except the masked im2col of a layer as wide as its
 * input, which writes them zero), which keeps them out of every sum. Entries of col that read
 * the image's zero padding are zero too: never written, or written zero by that im2col
 * ({@link #maskedIm2col}). col stays valid from forward to the weight gradient, as the per-example
 * training path runs every layer forward before any backward. Each tile is a method of its own
 * (a few hundred bytes, so one compilation unit never holds many vector accumulators).
 */
final class VectorConv implements ConvKernels {
  private static final ClassName OPERATORS =
      ClassName.get("jdk.incubator.vector", "VectorOperators");
  /** The widest vector the pad allows for, in bits (AVX-512). */
  private static final int MAX_VECTOR_BITS = 512;
  /**
   * The fewest taps for which the transposed weight gradient pays for transposing δ: its
   * multiply-adds are taps × channels × positions, the transposition channels × positions.
   */
  private static final int MIN_TRANSPOSED_TAPS = 32;
  /**
   * The fewest terms per sum for which a wide register tile holds 24 accumulators ({@link
   * #wideRows}): the Fashion CNN's conv2 (144 taps) gains, its conv1 (9 taps) loses (training
   * forward 4.5 → 5.1 µs in 8 × 3 tiles).
   */
  private static final int MIN_TALL_TERMS = 32;
  /** The largest per-lane weight-gradient buffer, in values (16 MB of floats). */
  private static final long MAX_LANE_VALUES = 1L << 22;

  private final Conv2d conv;
  private final EmitContext ctx;
  private final VectorLoops loops;
  private final Names.LayerNames n;
  private final Shape.Image in;
  private final Shape.Image out;
  private final Window win;
  /** Taps per output channel: in · KH · KW. */
  private final int taps;
  /** Output positions: OH · OW. */
  private final int positions;
  /** Values per row of col, dcol and the padded δ: positions rounded up to 512 bits. */
  private final int stride;
  /** Output channels per tile: the largest of 4, 3, 2, 1 that divides the channels. */
  private final int rows;
  /** Taps per input-delta tile: the largest of 4, 3, 2, 1 that divides the taps. */
  private final int tapRows;
  /** Input channels per flipped input-delta tile: the largest of 4, 3, 2, 1 dividing them. */
  private final int channelRows;
  /** Output channels per wide forward (and in-place) tile: see {@link #wideRows}. */
  private final int forwardWideRows;
  /** Rows per wide input-delta tile (input channels if flipped, else taps): {@link #wideRows}. */
  private final int deltaWideRows;
  /** Taps per weight-gradient tile (not transposed): 4 (fewer taps: all); single taps finish. */
  private final int gradientTaps;
  private final String col;
  /**
   * True if col keeps one row per input channel ci and kernel column kj, {@link #sharedLength}
   * values, value r · OW + ox the input at (ci, r − P, ox + kj − P) (zero in the padding):
   * tap (ci, ki, kj)'s row of positions is then that row from ki · OW on, {@link #colTaps}.
   * Where the layer has stride 1 and more than one kernel row, and either no column padding
   * (each input row copied whole) or an output as wide as its input ({@link #flat}: each input
   * row copied in vectors blended with zero, {@link #rowValid}, where that copies fewer values
   * than the per-tap rows: H · (OW rounded up to 512 bits) below KH · stride), this copies
   * about KH times fewer values than one row per tap (LeNet-5: 4.3 and 3.3 times; the Small
   * CNN's conv2 2.8): LeNet-5's conv1 training forward 4.35 → 2.54 µs per example, conv2 4.2 →
   * 3.33 (Intel Xeon host, docs/performance.md). Past a tap's positions, up to the stride, its
   * row holds the next kernel rows' values: where the positions do not fill whole 512-bit
   * vectors, only layers whose weight gradient never reads there (transposed, which stops at
   * the positions, or over a max pool's maxima, which never reads col) share, or that do not
   * train.
   */
  private final boolean sharesRows;
  /** Where tap k's row of positions starts in col, if it {@link #sharesRows}; else null. */
  private final String colTaps;
  /**
   * Values per shared row ({@link #sharesRows}): the padded input's H + 2P rows of OW values,
   * then stride − positions more, so that the last kernel row's taps read {@link #stride}
   * values: (KH − 1) · OW + stride.
   */
  private final int sharedLength;
  /**
   * Values per input row that the masked copy into shared rows writes: OW rounded up to 512
   * bits ({@link #sharedIm2col}).
   */
  private final int rowSpan;
  /**
   * For a {@link #flat} layer that {@link #sharesRows}: which of the {@link #rowSpan} values
   * written per input row and kernel column are input values (1), not padding or past the row
   * (0): [kj][column]; null otherwise.
   */
  private final String rowValid;
  /**
   * The input with {@link #guard()} values before it (and enough after it) for the masked im2col of
   * a {@link #flat} layer: every tap reads a whole row of col from it at one offset, or, where
   * the layer {@link #sharesRows}, each input row is read from it at column kj − P; null for
   * other layers.
   */
  private final String guarded;
  /**
   * Which entries of a {@link #flat} layer's col rows are real input values: [ki · KW + kj]
   * [position], 1 or 0 ({@link #validTable}); null for other layers and where the layer
   * {@link #sharesRows} ({@link #rowValid} instead).
   */
  private final String valid;
  private final String dcol;
  /** δ in rows of {@link #stride} positions: δ itself where the stride is the positions. */
  private final String deltaPad;
  /** Where forward tiles store z: z itself when the rows need no padding. */
  private final String zPad;
  /** True if forward tiles also store the activations (relu and identity: exact there). */
  private final boolean activates;
  /** Where forward tiles store the activations, like {@link #zPad}; null unless activates. */
  private final String aPad;
  /** The forward tile of 4 vectors (null if the policy's tiles are narrow). */
  private final String forwardWide;
  /** The forward tile of 2 vectors (null if the policy's tiles are wide). */
  private final String forwardNarrow;
  private final String forward1;
  private final String gradientTile;
  /** The single-tap weight-gradient tile, or null when the 4-tap tiles cover every tap. */
  private final String gradientRest;
  /**
   * The transposed weight-gradient tiles for wide register tiles ({@link #transposedTaps}), or
   * null if the class has no wide tiles or the gradient is not transposed.
   */
  private final TransposedTiles wideGradient;
  /** As {@link #wideGradient}, for narrow register tiles (the same tiles if the taps agree). */
  private final TransposedTiles narrowGradient;
  private final String deltaWide;
  private final String deltaNarrow;
  /**
   * The flipped input-delta tile of {@link #TALL_ROWS} input channels × 2 vectors, or null
   * ({@link #tallSplit}).
   */
  private final String deltaTall;
  /** The input channels that {@link #deltaTall} tiles cover, from the first; 0 without them. */
  private final int deltaTallRows;
  private final String delta1;
  /**
   * The weight gradient's sums per vector lane, [weight][lane] (null when the layer is too large
   * for it, or does not train): tiles add their accumulators here, and {@link #settle} reduces
   * the lanes once per batch. A per-example reduction of every accumulator cost more than the
   * multiply-adds on small planes (JDK 17 adds the 16 lanes of a float one after another):
   * LeNet-5's conv2 weight gradient took 13.8 µs per example with it, 7.0 µs without.
   */
  private final String gradientLanes;
  /**
   * True if the weight gradient is computed transposed, {@code ∂Wᵀ[k][o] += Σ_p col[k][p]
   * δᵀ[p][o]}, with vectors over output channels ({@link #transposedGradient}): the channels a
   * multiple of 512 bits of values and at least {@link #MIN_TRANSPOSED_TAPS} taps.
   */
  private final boolean transposed;
  /** δ transposed, [position][channel] (transposed). */
  private final String deltaT;
  /** The weight gradient of this batch transposed, [tap][channel]; zero between batches. */
  private final String gradientT;
  private final String settle;
  /** Lanes of the widest vector (512 bits) of the precision. */
  private final int maxLanes;
  /**
   * True if predict reads the input in place ({@link #predictForward}); for a class that does
   * not train, forward too. Null names below unless so.
   */
  private final boolean inPlace;
  /** The input with a zero border of the padding, {@link #placeWidth} values per row. */
  private final String border;
  /** Where tap k = (ci, ki, kj) starts in {@link #border}: ci · plane + ki · row + kj. */
  private final String borderTaps;
  /** Values per row of {@link #border} and of the in-place z: W + 2P. */
  private final int placeWidth;
  /** Values per channel of {@link #border}: (H + 2P) · {@link #placeWidth}. */
  private final int placePlane;
  /** Values per channel of the in-place z or activations: OH · placeWidth, to 512 bits. */
  private final int placeStride;
  /**
   * predict's output in place: its activations where the kernels activate (relu, identity),
   * else z, which the activation pass after them reads; null unless {@link #inPlace}.
   */
  private final String placed;
  /**
   * True if predict leaves its activations in {@link #placed}'s bordered rows for the next
   * layer, a max pool, to read there ({@link EmitContext#handPredictInput}) instead of copying
   * them out.
   */
  private final boolean handsOn;
  private final String placeWide;
  private final String placeNarrow;
  private final String place1;
  /**
   * True if the input delta is the convolution of δ, zero-bordered, with the flipped kernels
   * ({@link #flippedDelta}) instead of dcol and col2im: stride 1 and padding below the kernel.
   */
  private final boolean flipped;
  /** True if the flipped tiles skip the window rows that read only δ's border. */
  private final boolean bordersSkipped;
  /** δ with a zero border of KH − 1 − P rows and KW − 1 − P columns per channel (flipped). */
  private final String deltaBorder;
  /** The flipped tiles' output, [input channel][y · {@link #borderWidth} + x] (flipped). */
  private final String deltaIn;
  /** Term (ki, kj)'s offset in {@link #deltaBorder}: (KH − 1 − ki) · B + KW − 1 − kj. */
  private final String borderOffsets;
  /** Values per row of {@link #deltaBorder} and {@link #deltaIn}: W + KW − 1. */
  private final int borderWidth;
  /** Values per channel of {@link #deltaBorder}: (H + KH − 1) · {@link #borderWidth}. */
  private final int borderPlane;
  /** Values per channel of {@link #deltaIn}: H · {@link #borderWidth} rounded up to 512 bits. */
  private final int inStride;
  /**
   * The backward pass over the maxima of the max pool after the layer, where it applies
   * ({@link PooledConvBackward#applies}); null where the dense kernels compute it.
   */
  private final PooledConvBackward pooled;

  VectorConv(Conv2d conv, EmitContext ctx, VectorLoops loops) {
    this.conv = conv;
    this.ctx = ctx;
    this.loops = loops;
    this.n = ctx.names().layer(conv.index());
    this.in = conv.inputShape();
    this.out = conv.outputShape();
    this.win = conv.window();
    this.taps = in.channels() * win.kernelHeight() * win.kernelWidth();
    this.positions = out.height() * out.width();
    int unit = MAX_VECTOR_BITS / (ctx.precision() == Precision.FLOAT ? 32 : 64);
    this.stride = (positions + unit - 1) / unit * unit;
    this.rows = divisor(out.channels());
    this.tapRows = divisor(taps);
    this.channelRows = divisor(in.channels());
    boolean training = ctx.trainable();
    this.pooled = PooledConvBackward.applies(conv, ctx)
        ? new PooledConvBackward(conv, ctx, loops) : null;
    // The dense backward kernels: everywhere but over a max pool's maxima.
    boolean dense = training && pooled == null;
    this.transposed = dense && out.channels() % unit == 0 && taps >= MIN_TRANSPOSED_TAPS
        && (long) positions * out.channels() <= MAX_LANE_VALUES;
    this.gradientTaps = Math.min(4, taps);
    Names names = ctx.names();
    String base = conv.name();
    this.col = names.helper(base + "Col");
    // Past a tap's positions, up to the stride, a shared row holds the next kernel rows' values,
    // not zeros: only the lane weight gradient reads there (times δ's zero padding, which an
    // infinite or NaN input would turn into NaN).
    boolean laneGradient = dense && !transposed;
    this.rowSpan = (out.width() + unit - 1) / unit * unit;
    // A flat layer's rows are copied in whole vectors: on narrow rows that can be more values
    // than the per-tap rows (H = 8, W = 4, 3 × 3: 128 against 96 per channel and column).
    boolean fewerCopies = !flat() || in.height() * rowSpan < win.kernelHeight() * stride;
    this.sharesRows = win.strideHeight() == 1 && win.strideWidth() == 1
        && win.kernelHeight() > 1 && win.padHeight() < win.kernelHeight()
        && (flat() || win.padWidth() == 0) && fewerCopies
        && (stride == positions || !laneGradient);
    this.colTaps = sharesRows ? names.helper(base + "ColTaps") : null;
    this.sharedLength = (win.kernelHeight() - 1) * out.width() + stride;
    this.zPad = stride == positions ? n.z() : names.helper(base + "ZPad");
    Activation act = conv.activation();
    this.activates = act instanceof Activation.Relu || act instanceof Activation.Identity;
    this.aPad = !activates ? null : stride == positions ? n.act() : names.helper(base + "APad");
    CodegenPolicy.RegisterTiles tiles = ctx.policy().registerTiles();
    boolean wide = tiles != NARROW;
    boolean narrow = tiles != WIDE;
    this.forwardWide = wide ? names.helper(base + "ForwardTile") : null;
    this.forwardNarrow = narrow ? names.helper(base + "ForwardTile2") : null;
    this.forward1 = names.helper(base + "ForwardVector");
    boolean propagates = dense && conv.index() > 0;
    boolean flippable = borderable();
    // Where the rows need no padding (positions a multiple of 512 bits), the kernels read δ.
    this.deltaPad = dense && (!transposed || propagates && !flippable)
        ? stride == positions ? n.delta() : names.helper(base + "DeltaPad") : null;
    this.gradientTile = dense && !transposed ? names.helper(base + "GradientTile") : null;
    this.gradientRest = dense && !transposed && taps % gradientTaps != 0
        ? names.helper(base + "GradientTap") : null;
    this.wideGradient = transposed && wide ? transposedTiles(names, base, WIDE) : null;
    this.narrowGradient = !transposed || !narrow ? null
        : wideGradient != null && wideGradient.taps() == transposedTaps(NARROW) ? wideGradient
        : transposedTiles(names, base, NARROW);
    this.deltaT = transposed ? names.helper(base + "DeltaT") : null;
    this.gradientT = transposed ? names.helper(base + "GradientT") : null;
    this.flipped = propagates && flippable;
    this.bordersSkipped = flipped && skipsBorderRows(in, out, win);
    this.forwardWideRows = wideRows(out.channels(), rows, taps);
    this.deltaWideRows = flipped ? wideRows(in.channels(), channelRows, flippedTerms())
        : wideRows(taps, tapRows, out.channels());
    this.borderWidth = in.width() + win.kernelWidth() - 1;
    this.borderPlane = (in.height() + win.kernelHeight() - 1) * borderWidth;
    this.inStride = (in.height() * borderWidth + unit - 1) / unit * unit;
    this.deltaBorder = flipped ? names.helper(base + "DeltaBorder") : null;
    this.deltaIn = flipped ? names.helper(base + "DeltaIn") : null;
    this.borderOffsets = flipped ? names.helper(base + "BorderOffsets") : null;
    this.dcol = propagates && !flipped ? names.helper(base + "Dcol") : null;
    this.deltaWide = propagates && wide ? names.helper(base + "DeltaTile") : null;
    this.deltaTallRows =
        flipped && narrow ? tallSplit(in.channels(), channelRows, flippedTerms()) : 0;
    this.deltaTall = deltaTallRows > 0 ? names.helper(base + "DeltaTile6x2") : null;
    // The narrow tile runs where the tall ones leave rows, and after wide tiles on the vectors
    // they leave.
    this.deltaNarrow = propagates && narrow && (wide || deltaTallRows < in.channels())
        ? names.helper(base + "DeltaTile2") : null;
    this.delta1 = propagates ? names.helper(base + "DeltaVector") : null;
    this.maxLanes = unit;
    // Measured per layer (docs/performance.md): in place wins where im2col copies short rows
    // (LeNet-5's conv1 4.9 → 3.4 µs, conv2 6.7 → 4.7) or where its output needs a copy out of
    // padded rows anyway (the Fashion CNN's conv2, 24.5 → 20.6); it loses where im2col is one
    // copy per tap into rows that fill whole vectors (the Fashion CNN's conv1, 4.2 → 8.5: the
    // junk columns and the copy out are all the in-place form adds there).
    //
    // The copy out took 3.4 of the Fashion CNN conv2's 21 µs per image (Intel Xeon host). A max
    // pool reads the bordered rows as well as compact ones, as a wider image whose last columns
    // it never picks; the junk columns must come in pairs so that a 2-wide pool's column pairs
    // fall where they do in the compact rows. Without the copy out, the in-place form wins for
    // the Fashion CNN's conv1 too: 4.35 → 2.9 µs, its pool reading 30-wide rows 3.05 → 3.5.
    List<Layer> layers = ctx.network().layers();
    int next = conv.index() + 1;
    boolean pooled = activates && next < layers.size() && layers.get(next) instanceof MaxPool2d
        && (in.width() + 2 * win.padWidth() - out.width()) % 2 == 0;
    this.inPlace = borderable() && (!flat() || stride != positions || pooled);
    this.handsOn = inPlace && pooled;
    this.placeWidth = in.width() + 2 * win.padWidth();
    this.placePlane = (in.height() + 2 * win.padHeight()) * placeWidth;
    this.placeStride = (out.height() * placeWidth + unit - 1) / unit * unit;
    this.border = inPlace ? names.helper(base + "Border") : null;
    this.borderTaps = inPlace ? names.helper(base + "BorderTaps") : null;
    this.placed = !inPlace ? null : names.helper(base + (activates ? "PlaceAct" : "PlaceZ"));
    this.placeWide = inPlace && wide ? names.helper(base + "PlaceTile") : null;
    this.placeNarrow = inPlace && narrow ? names.helper(base + "PlaceTile2") : null;
    this.place1 = inPlace ? names.helper(base + "PlaceVector") : null;
    // forward's im2col runs wherever predict does not read the input in place.
    boolean masked = flat() && (training || !inPlace);
    this.guarded = masked ? names.helper(base + "Guarded") : null;
    this.valid = masked && !sharesRows ? names.helper(base + "Valid") : null;
    this.rowValid = masked && sharesRows ? names.helper(base + "RowValid") : null;
    if (handsOn) {
      ctx.handPredictInput(next, new EmitContext.PredictInput(placed,
          new Shape.Image(out.channels(), out.height(), placeWidth), placeStride));
    }
    boolean lanes = dense && !transposed
        && (long) out.channels() * taps * unit <= MAX_LANE_VALUES;
    this.gradientLanes = lanes ? names.helper(base + "GradientLanes") : null;
    this.settle = lanes || transposed ? names.helper(base + "SettleGradient") : null;
    registerTiles(training, propagates);
  }

  /** The largest of 4, 3, 2, 1 that divides {@code count}. */
  private static int divisor(int count) {
    return divisor(count, 4);
  }

  /** The largest number from {@code most} down to 1 that divides {@code count}. */
  private static int divisor(int count, int most) {
    for (int d = most; d > 1; d--) {
      if (count % d == 0) {
        return d;
      }
    }
    return 1;
  }

  /**
   * Destination rows of a wide register tile over {@code count} rows of {@code terms} terms,
   * whose narrow tiles take {@code rows}. Where the sums are long ({@value #MIN_TALL_TERMS} terms
   * or more), 24 of AVX-512's 32 registers hold accumulators: 8 rows × 3 vectors where {@code
   * count} divides by 8 (8 weight broadcasts and 3 loads per 24 multiply-adds), else 6 rows × 4
   * vectors where it divides by 6; otherwise {@code rows} × 4 vectors (16 accumulators). The
   * Fashion CNN's conv2 in place (32 channels, 14 vectors of positions, 144 taps) alone: 14.75
   * µs per image in 4 × 4 tiles, 12.7 in 8 × 3 (Intel Xeon host); in the generated class its
   * training forward 24.8 → 21.2 µs and its input delta (flipped, 288 terms) 20.7 → 13.8 µs;
   * LeNet-5's conv2 input delta (6 input channels, 400 terms) 8.06 → 6.64 µs in 6 × 4 tiles
   * (3 × 4 before).
   */
  private static int wideRows(int count, int rows, int terms) {
    if (terms < MIN_TALL_TERMS) {
      return rows;
    }
    return count % 8 == 0 ? 8 : count % 6 == 0 ? 6 : rows;
  }

  /** Vectors of positions of a wide register tile of {@code wideRows} rows ({@link #wideRows}). */
  private static int wideVectors(int wideRows) {
    return wideRows == 8 ? 3 : WIDE.convVectors();
  }

  /** Terms of each flipped input-delta sum: every output channel's window. */
  private int flippedTerms() {
    return out.channels() * win.kernelHeight() * win.kernelWidth();
  }

  private void registerTiles(boolean training, boolean propagates) {
    Helpers h = ctx.helpers();
    if (rowValid != null) {
      h.add(rowValidTable());
    }
    if (valid != null) {
      h.add(validTable());
    }
    if (placeWide != null) {
      h.add(placeTile(placeWide, forwardWideRows, wideVectors(forwardWideRows)));
    }
    if (placeNarrow != null) {
      h.add(placeTile(placeNarrow, rows, NARROW.convVectors()));
    }
    if (place1 != null) {
      h.add(placeTile(place1, rows, 1));
    }
    if (inPlace && !training) {
      return;
    }
    if (forwardWide != null) {
      h.add(forwardTile(forwardWide, forwardWideRows, wideVectors(forwardWideRows)));
    }
    if (forwardNarrow != null) {
      h.add(forwardTile(forwardNarrow, rows, NARROW.convVectors()));
    }
    h.add(forwardTile(forward1, rows, 1));
    if (transposed) {
      if (wideGradient != null) {
        registerTransposedTiles(h, wideGradient);
      }
      if (narrowGradient != null && narrowGradient != wideGradient) {
        registerTransposedTiles(h, narrowGradient);
      }
    } else if (gradientTile != null) {
      h.add(gradientTile(gradientTile, gradientTaps));
    }
    if (gradientRest != null && !transposed) {
      h.add(gradientTile(gradientRest, 1));
    }
    if (deltaWide != null) {
      h.add(flipped ? flippedTile(deltaWide, deltaWideRows, wideVectors(deltaWideRows))
          : deltaTile(deltaWide, deltaWideRows, wideVectors(deltaWideRows)));
    }
    if (deltaNarrow != null) {
      h.add(flipped ? flippedTile(deltaNarrow, channelRows, NARROW.convVectors())
          : deltaTile(deltaNarrow, tapRows, NARROW.convVectors()));
    }
    if (deltaTall != null) {
      h.add(flippedTile(deltaTall, TALL_ROWS, NARROW.convVectors()));
    }
    if (propagates) {
      h.add(flipped ? flippedTile(delta1, channelRows, 1) : deltaTile(delta1, tapRows, 1));
    }
  }

  @Override
  public List<FieldSpec> fields() {
    List<FieldSpec> f = new ArrayList<>();
    boolean im2col = !inPlace || ctx.trainable();
    if (im2col && sharesRows) {
      int kh = win.kernelHeight();
      int kw = win.kernelWidth();
      // The masked copy writes whole vectors from each row's start: the last row's reach past
      // the buffer's end (zeros).
      int overrun = rowValid != null ? rowSpan - out.width() : 0;
      f.add(Javadoc.on(ctx.buffer(col, in.channels() * kw * sharedLength + overrun), "im2col of "
          + conv.name() + "'s input for the last forward pass, one row per input channel and"
          + " kernel column, [ci][kj][padded input row][ox], " + sharedLength + " per row: tap"
          + " (ci, ki, kj)'s positions are its row from ki * " + out.width() + " on."));
      f.add(offsetTable(colTaps, "Where tap k = (ci, ki, kj) of " + conv.name() + " reads its"
          + " row of positions in col.", taps, CodeBlock.of("(k / $L * $L + k % $L) * $L + k / $L"
          + " % $L * $L", kh * kw, kw, kw, sharedLength, kw, kh, out.width())));
    } else if (im2col) {
      f.add(Javadoc.on(ctx.buffer(col, taps * stride), "im2col of " + conv.name()
          + "'s input for the last forward pass: [tap][position], " + stride + " per row."));
    }
    if (guarded != null) {
      // Tap (ci, ki, kj) reads from guard + ci·H·W + (ki − P)·W + kj − P on, a row of col long;
      // the shared rows' copy reads row span values from each input row's column kj − P.
      int last = (in.channels() - 1) * in.height() * in.width()
          + (win.kernelHeight() - 1 - win.padHeight()) * in.width()
          + win.kernelWidth() - 1 - win.padWidth();
      int lastRow = (in.channels() * in.height() - 1) * in.width() + win.kernelWidth() - 1
          - win.padWidth();
      int length = sharesRows ? guard() + lastRow + rowSpan : guard() + last + stride;
      f.add(Javadoc.on(ctx.buffer(guarded, length), conv.name()
          + "'s input from index " + guard() + " on, for the masked im2col (what lies around it"
          + " is never used)."));
      String table = sharesRows ? rowValid : valid;
      String what = sharesRows
          ? "Which of the values the copy into " + conv.name() + "'s shared col rows writes per"
              + " input row are input values (1) and which lie in the padding or past the row"
              + " (0): [kj][column]."
          : "Which entries of a row of " + conv.name() + "'s col are input values (1) and which"
              + " lie in the padding or past the " + positions + " positions (0): [ki * "
              + win.kernelWidth() + " + kj][position].";
      f.add(FieldSpec.builder(ctx.array(), table, Modifier.PRIVATE, Modifier.STATIC,
              Modifier.FINAL)
          .addJavadoc("$L\n", Javadoc.escape(what))
          .initializer("$N()", table + "Table")
          .build());
    }
    if (im2col && !zPad.equals(n.z())) {
      f.add(Javadoc.on(ctx.buffer(zPad, out.channels() * stride), conv.name()
          + "'s z, rows padded to " + stride + " positions."));
    }
    if (im2col && aPad != null && !aPad.equals(n.act())) {
      f.add(Javadoc.on(ctx.buffer(aPad, out.channels() * stride), conv.name()
          + "'s activations, rows padded to " + stride + " positions."));
    }
    if (deltaPad != null && !deltaPad.equals(n.delta())) {
      f.add(Javadoc.on(ctx.buffer(deltaPad, out.channels() * stride), conv.name()
          + "'s delta, rows padded to " + stride + " positions (the padding stays zero)."));
    }
    if (transposed) {
      f.add(Javadoc.on(ctx.buffer(deltaT, positions * out.channels()), conv.name()
          + "'s delta transposed: [position][channel]."));
      f.add(Javadoc.on(ctx.buffer(gradientT, taps * out.channels()), conv.name()
          + "'s weight gradient of this batch transposed, [tap][channel]; zero between"
          + " batches."));
    }
    if (gradientLanes != null) {
      f.add(Javadoc.on(ctx.buffer(gradientLanes, out.channels() * taps * maxLanes), conv.name()
          + "'s weight gradient of this batch per vector lane, [weight][lane]; zero between"
          + " batches."));
    }
    if (dcol != null) {
      f.add(Javadoc.on(ctx.buffer(dcol, taps * stride), "The input delta's columns of "
          + conv.name() + " before col2im: [tap][position]."));
    }
    if (inPlace) {
      int length = (in.channels() - 1) * placePlane + (win.kernelHeight() - 1) * placeWidth
          + win.kernelWidth() - 1 + placeStride;
      f.add(Javadoc.on(ctx.buffer(border, length), conv.name() + "'s input with a zero border"
          + " of its padding for predict, " + placePlane + " values per channel, " + placeWidth
          + " per row (the border and the tail stay zero)."));
      int kh = win.kernelHeight();
      int kw = win.kernelWidth();
      f.add(offsetTable(borderTaps, "Where tap k = (ci, ki, kj) of " + conv.name() + " reads"
          + " its bordered input at position 0.", taps, CodeBlock.of("k / $L * $L + k / $L % $L"
          + " * $L + k % $L", kh * kw, placePlane, kw, kh, placeWidth, kw)));
      // predict needs z only where the activation pass after the kernels reads it.
      f.add(Javadoc.on(ctx.buffer(placed, out.channels() * placeStride), conv.name() + "'s "
          + (activates ? "activations" : "z") + " in predict, " + placeWidth + " values per row"
          + " of which the first " + out.width() + " are real."));
    }
    if (flipped) {
      int length = (out.channels() - 1) * borderPlane + inStride
          + (win.kernelHeight() - 1) * borderWidth + win.kernelWidth() - 1;
      f.add(Javadoc.on(ctx.buffer(deltaBorder, length), conv.name() + "'s delta with a zero"
          + " border, " + borderPlane + " values per channel, " + borderWidth + " per row (the"
          + " border and the tail stay zero)."));
      int kh = win.kernelHeight();
      int kw = win.kernelWidth();
      f.add(offsetTable(borderOffsets, "Where term k = (ki, kj) of " + conv.name() + "'s"
          + " flipped kernels reads its bordered delta.", kh * kw, CodeBlock.of("($L - k / $L)"
          + " * $L + $L - k % $L", kh - 1, kw, borderWidth, kw - 1, kw)));
      f.add(Javadoc.on(ctx.buffer(deltaIn, in.channels() * inStride), "The input delta of "
          + conv.name() + " before σ', " + borderWidth + " values per row of which the first "
          + in.width() + " are real."));
    }
    if (pooled != null) {
      f.addAll(pooled.fields());
    }
    return f;
  }

  /**
   * A static table {@code name} of {@code count} offsets, entry k the int expression {@code
   * offset} of k, computed at class initialization: as a literal, a layer of many input channels
   * would make {@code <clinit>} too large (4 bytes of bytecode and more per entry).
   */
  private static FieldSpec offsetTable(String name, String doc, int count, CodeBlock offset) {
    return FieldSpec.builder(int[].class, name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("$L\n", Javadoc.escape(doc))
        .initializer("$T.range(0, $L).map(k -> $L).toArray()", java.util.stream.IntStream.class,
            count, offset)
        .build();
  }

  /**
   * Copies {@code channels} planes of {@code height} rows of {@code width} values from the
   * compact array {@code src} into the bordered array {@code dst} ({@code plane} values per
   * channel, {@code rowWidth} per row), leaving {@code top} rows and {@code left} columns of
   * border before each plane's and row's values.
   */
  private void intoBorder(CodeBlock.Builder c, String src, String dst, int channels,
      int height, int width, int plane, int rowWidth, int top, int left, boolean vectors) {
    intoBorder(c, src, dst, "0", String.valueOf(channels), height, width, plane, rowWidth, top,
        left, vectors);
  }

  /** {@link #intoBorder} of the channels from {@code first} to before {@code end}. */
  private void intoBorder(CodeBlock.Builder c, String src, String dst, String first, String end,
      int height, int width, int plane, int rowWidth, int top, int left, boolean vectors) {
    c.beginControlFlow("for (int ch = $L; ch < $L; ch++)", first, end);
    c.beginControlFlow("for (int y = 0; y < $L; y++)", height);
    c.add(rowCopy(src, CodeBlock.of("(ch * $L + y) * $L", height, width), dst,
        CodeBlock.of("ch * $L + (y + $L) * $L + $L", plane, top, rowWidth, left), width,
        vectors));
    c.endControlFlow();
    c.endControlFlow();
  }

  /**
   * Copies {@code channels} planes of {@code height} rows of {@code width} values out of each
   * bordered array of {@code from} ({@code stride} values per channel, {@code rowWidth} per row,
   * the rest junk) into the compact array at the same position of {@code to}.
   */
  private void outOfBorder(CodeBlock.Builder c, List<String> from, List<String> to,
      int channels, int height, int width, int stride, int rowWidth, boolean vectors) {
    outOfBorder(c, from, to, "0", String.valueOf(channels), height, width, stride, rowWidth,
        vectors);
  }

  /** {@link #outOfBorder} of the channels from {@code first} to before {@code end}. */
  private void outOfBorder(CodeBlock.Builder c, List<String> from, List<String> to,
      String first, String end, int height, int width, int stride, int rowWidth,
      boolean vectors) {
    c.beginControlFlow("for (int ch = $L; ch < $L; ch++)", first, end);
    c.beginControlFlow("for (int y = 0; y < $L; y++)", height);
    for (int i = 0; i < from.size(); i++) {
      c.add(rowCopy(from.get(i), CodeBlock.of("ch * $L + y * $L", stride, rowWidth), to.get(i),
          CodeBlock.of("(ch * $L + y) * $L", height, width), width, vectors));
    }
    c.endControlFlow();
    c.endControlFlow();
  }

  @Override
  public void forward(CodeBlock.Builder c) {
    if (inPlace && !ctx.trainable()) {
      predictForward(c);
      return;
    }
    ctx.declareArray(c, "col", col);
    if (sharesRows) {
      sharedIm2col(c);
    } else if (flat()) {
      maskedIm2col(c);
    } else if (win.strideWidth() == 1 && win.padWidth() == 0) {
      // Without column padding every tap copies whole output rows, [0, OW), in vectors: rows
      // of at least one vector as whole vectors, the last one ending at OW (overlapping the one
      // before where OW is no multiple of the lanes), shorter rows value by value. With
      // System.arraycopy of the constant length (which C2 copies inline, value by value),
      // LeNet-5's training forward passes took 8.8 µs (conv2, 1,200 rows of 8) and 7.6 µs
      // (conv1, 600 rows of 24) per example on the Zen 3 host; in 256-bit vectors 5.8 and
      // 6.7 µs (docs/performance.md).
      taps(c, rowCopy("x", CodeBlock.of("xr"), "col", CodeBlock.of("kr"), out.width(), true));
    } else if (win.strideWidth() == 1) {
      // A tap column can lie wholly in the padding (x1 <= x0): nothing to copy then.
      taps(c, CodeBlock.builder().beginControlFlow("if (x0 < x1)")
          .addStatement("$T.arraycopy(x, xr + x0, col, kr + x0, x1 - x0)", System.class)
          .endControlFlow().build());
    } else {
      taps(c, ConvGeometry.columns(win, "col[kr + ox] = x[xr + ox * $L]"));
    }
    tileLoops(c, out.channels(), rows, forwardWideRows, stride, forwardWide, forwardNarrow,
        forward1);
    if (!zPad.equals(n.z())) {
      ctx.declareArray(c, "zp", zPad);
      if (activates) {
        ctx.declareArray(c, "ap", aPad);
      }
      c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
      c.addStatement("$T.arraycopy(zp, o * $L, z, o * $L, $L)", System.class, stride, positions,
          positions);
      if (activates) {
        c.addStatement("$T.arraycopy(ap, o * $L, a, o * $L, $L)", System.class, stride,
            positions, positions);
      }
      c.endControlFlow();
    }
  }

  @Override
  public boolean predictsInPlace() {
    return inPlace;
  }

  /**
   * The forward pass reading the input in place: copied into a buffer with a zero border of the
   * padding ({@link #border}), output position q = oy · B + ox (B = W + 2P; the last KW − 1
   * columns of each row are junk) of tap (ci, ki, kj) reads the bordered input at q plus the
   * tap's offset ({@link #borderTaps}), so the tiles read whole vectors at constant offsets and
   * no im2col runs; then each output row is copied out without its junk columns, unless the next
   * layer reads them where they are ({@link #handsOn}). Training keeps
   * im2col: its weight gradient reads col, and over the bordered rows it did KW − 1 of every B
   * multiply-adds more (the Fashion CNN's conv2 gradient 16.2 → 19.0 µs).
   */
  @Override
  public void predictForward(CodeBlock.Builder c) {
    predictPrologue(c, "0", String.valueOf(in.channels()));
    predictChannels(c, "0", String.valueOf(out.channels()));
  }

  /**
   * Where predict's pass splits over a team: in place, activating in the kernels (relu,
   * identity), with rows that fill at least two parts. The Fashion CNN's 16 and 32 channels
   * part in 8 and 16.
   */
  @Override
  public int predictPartAlign() {
    int align = lcm(rows, forwardWideRows);
    return inPlace && activates && out.channels() >= 2 * align ? align : 0;
  }

  private static int lcm(int a, int b) {
    int x = a;
    int y = b;
    while (y != 0) {
      int t = x % y;
      x = y;
      y = t;
    }
    return a / x * b;
  }

  @Override
  public void predictPrologue(CodeBlock.Builder c, String first, String end) {
    ctx.declareArray(c, "xb", border);
    // The rows go in and out by System.arraycopy: in vectors, the Fashion CNN's conv2 predict
    // measured 25 → 28–30 µs (Zen 3), although the input delta's copies gain that way.
    intoBorder(c, "x", "xb", first, end, in.height(), in.width(), placePlane, placeWidth,
        win.padHeight(), win.padWidth(), false);
  }

  @Override
  public void predictChannels(CodeBlock.Builder c, String first, String end) {
    tileLoops(c, first, end, rows, forwardWideRows, placeStride, placeWide, placeNarrow, null,
        place1);
    if (handsOn) {
      return;
    }
    ctx.declareArray(c, "placed", placed);
    outOfBorder(c, List.of("placed"), List.of(activates ? "a" : "z"), first, end,
        out.height(), out.width(), placeStride, placeWidth, false);
  }

  /**
   * In-place forward tile: rows r .. r + rows - 1 of the activations, or of z where the
   * activation is a pass of its own, {@code vectors} vectors from q = p.
   */
  private MethodSpec placeTile(String name, int tileRows, int vectors) {
    return axpyTile(name, vectors, tileRows, taps, n.weight(), r -> "(r + " + r + ") * " + taps
        + " + i", border, borderTaps + "[i]",
        r -> CodeBlock.of("$T.broadcast(SPECIES, bias[r + $L])", loops.vectorType(), r),
        activates ? null : placed, r -> "(r + " + r + ") * " + placeStride,
        activates ? placed : null,
        "Layer " + conv.name() + " forward in place: " + (activates ? "activations" : "z")
            + " of " + tileRows + " channels from r, " + vectors
            + " vectors of positions from p.");
  }

  /**
   * im2col of a {@link #flat} convolution (stride 1, as wide as its input: `same` padding along
   * the rows): position p = oy·W + ox of tap (ci, ki, kj) reads input p + d for one offset d, so
   * each tap's row of col is one run of vectors from the input at d, each blended with zero where
   * {@link #valid} says the tap reads the padding (or p is past the positions). The input goes
   * first into {@link #guarded}, with room before and after it, so that no read leaves the array.
   * With one {@code System.arraycopy} per tap and then the padding columns set back to zero row
   * by row, the Fashion CNN's conv2 im2col (144 taps of 14 × 14 positions) took 5.4 µs per
   * example on the Zen 3 host, this way 3.5 (docs/performance.md).
   */
  private void maskedIm2col(CodeBlock.Builder c) {
    ClassName v = loops.vectorType();
    int kh = win.kernelHeight();
    int kw = win.kernelWidth();
    int plane = in.height() * in.width();
    ctx.declareArray(c, "xg", guarded);
    c.addStatement("$T.arraycopy(x, 0, xg, $L, $L)", System.class, guard(),
        in.channels() * plane);
    c.addStatement("$T zero = $T.zero(SPECIES)", v, v);
    c.beginControlFlow("for (int ci = 0; ci < $L; ci++)", in.channels());
    c.beginControlFlow("for (int kk = 0; kk < $L; kk++)", kh * kw);
    c.addStatement("int from = ci * $L + kk / $L * $L + kk % $L", plane, kw, in.width(), kw);
    c.addStatement("int row = (ci * $L + kk) * $L", kh * kw, stride);
    c.addStatement("int mask = kk * $L", stride);
    c.beginControlFlow("for (int p = 0; p < $L; p += LANES)", stride);
    c.addStatement("$T in = $T.fromArray(SPECIES, xg, from + p)", v, v);
    c.addStatement("zero.blend(in, $T.fromArray(SPECIES, $N, mask + p).compare($T.NE, $L))"
        + ".intoArray(col, row + p)", v, valid, OPERATORS, ctx.lit(0));
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
  }

  /**
   * im2col of a layer that {@link #sharesRows}: for each input channel and kernel column, the
   * input's H rows from that column on, OW values each, after P rows of padding (zero, never
   * written). Without column padding, copied as the per-tap rows are; in a {@link #flat}
   * layer, each row in whole vectors from the guarded input at column kj − P, blended with zero
   * where {@link #rowValid} marks the padding or the values past the row. Those zeros land on
   * later rows (written after them), on the zero rows below, on the row's tail past the
   * stride, on the next kernel column's zero rows above, or past the last row on col's
   * {@code rowSpan − OW} extra values: the writes only move forward, so col ends up exactly the
   * padded rows.
   */
  private void sharedIm2col(CodeBlock.Builder c) {
    int kw = win.kernelWidth();
    int plane = in.height() * in.width();
    ClassName v = loops.vectorType();
    if (rowValid != null) {
      ctx.declareArray(c, "xg", guarded);
      c.addStatement("$T.arraycopy(x, 0, xg, $L, $L)", System.class, guard(),
          in.channels() * plane);
      c.addStatement("$T zero = $T.zero(SPECIES)", v, v);
    }
    c.beginControlFlow("for (int cj = 0; cj < $L; cj++)", in.channels() * kw);
    c.addStatement("int cc = cj * $L + $L", sharedLength, win.padHeight() * out.width());
    if (rowValid == null) {
      c.addStatement("int xc = cj / $L * $L + cj % $L", kw, plane, kw);
      c.beginControlFlow("for (int y = 0; y < $L; y++)", in.height());
      c.add(rowCopy("x", CodeBlock.of("xc + y * $L", in.width()), "col",
          CodeBlock.of("cc + y * $L", out.width()), out.width(), true));
      c.endControlFlow();
      c.endControlFlow();
      return;
    }
    c.addStatement("int xc = $L + cj / $L * $L + cj % $L", guard() - win.padWidth(), kw, plane,
        kw);
    c.addStatement("int mask = cj % $L * $L", kw, rowSpan);
    c.beginControlFlow("for (int y = 0; y < $L; y++)", in.height());
    c.beginControlFlow("for (int j = 0; j < $L; j += LANES)", rowSpan);
    c.addStatement("$T in = $T.fromArray(SPECIES, xg, xc + y * $L + j)", v, v, in.width());
    c.addStatement("zero.blend(in, $T.fromArray(SPECIES, $N, mask + j).compare($T.NE, $L))"
        + ".intoArray(col, cc + y * $L + j)", v, rowValid, OPERATORS, ctx.lit(0), out.width());
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
  }

  /** The static method that computes {@link #rowValid}: 1 where column kj − P + j is input. */
  private MethodSpec rowValidTable() {
    int kw = win.kernelWidth();
    int w = in.width();
    return MethodSpec.methodBuilder(rowValid + "Table")
        .addJavadoc("The entries of {@code $L}.\n", rowValid)
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(ctx.array())
        .addStatement("$T t = new $T[$L]", ctx.array(), ctx.scalar(), kw * rowSpan)
        .beginControlFlow("for (int kj = 0; kj < $L; kj++)", kw)
        .beginControlFlow("for (int j = 0; j < $L; j++)", out.width())
        .addStatement("int ix = j + kj - $L", win.padWidth())
        .beginControlFlow("if (ix >= 0 && ix < $L)", w)
        .addStatement("t[kj * $L + j] = $L", rowSpan, ctx.lit(1))
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .addStatement("return t")
        .build();
  }

  /** Where the row of positions of tap {@code tap} (an int expression) starts in col. */
  private String colRow(String tap) {
    return sharesRows ? colTaps + "[" + tap + "]" : "(" + tap + ") * " + stride;
  }

  /** Values before the input in {@link #guarded}: the most any tap reads before it, P·W + P. */
  private int guard() {
    return win.padHeight() * in.width() + win.padWidth();
  }

  /** The static method that computes {@link #valid}: 1 where tap (ki, kj) reads the input. */
  private MethodSpec validTable() {
    int kw = win.kernelWidth();
    int w = in.width();
    return MethodSpec.methodBuilder(valid + "Table")
        .addJavadoc("The entries of {@code $L}.\n", valid)
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(ctx.array())
        .addStatement("$T t = new $T[$L]", ctx.array(), ctx.scalar(),
            win.kernelHeight() * kw * stride)
        .beginControlFlow("for (int kk = 0; kk < $L; kk++)", win.kernelHeight() * kw)
        .beginControlFlow("for (int p = 0; p < $L; p++)", positions)
        .addStatement("int iy = p / $L + kk / $L - $L", w, kw, win.padHeight())
        .addStatement("int ix = p % $L + kk % $L - $L", w, kw, win.padWidth())
        .beginControlFlow("if (iy >= 0 && iy < $L && ix >= 0 && ix < $L)", in.height(), w)
        .addStatement("t[kk * $L + p] = $L", stride, ctx.lit(1))
        .endControlFlow()
        .endControlFlow()
        .endControlFlow()
        .addStatement("return t")
        .build();
  }

  @Override
  public boolean activates() {
    return activates;
  }

  /**
   * δ's sum per channel in two vectors of partial sums, reduced once per channel, then the
   * values after the last whole vector. Eight scalar partial sums (the scalar backend's) took
   * the Fashion CNN's conv1 (16 planes of 784) about 2.6 µs per example: 12,544 adds at two per
   * cycle.
   */
  @Override
  public void biasGradient(CodeBlock.Builder c, int channels, int plane) {
    ClassName v = loops.vectorType();
    c.beginControlFlow("for (int o = 0; o < $L; o++)", channels);
    c.addStatement("int p = o * $L", plane);
    c.addStatement("$T s0 = $T.zero(SPECIES)", v, v);
    c.addStatement("$T s1 = $T.zero(SPECIES)", v, v);
    c.addStatement("int i = 0");
    c.addStatement("int bound = SPECIES.loopBound($L)", plane);
    c.beginControlFlow("for (; i <= bound - 2 * LANES; i += 2 * LANES)");
    c.addStatement("s0 = s0.add($T.fromArray(SPECIES, d, p + i))", v);
    c.addStatement("s1 = s1.add($T.fromArray(SPECIES, d, p + i + LANES))", v);
    c.endControlFlow();
    c.beginControlFlow("for (; i < bound; i += LANES)");
    c.addStatement("s0 = s0.add($T.fromArray(SPECIES, d, p + i))", v);
    c.endControlFlow();
    c.addStatement("$T s = s0.add(s1).reduceLanes($T.ADD)", ctx.scalar(),
        ClassName.get(VectorLoops.VECTOR_PACKAGE, "VectorOperators"));
    c.beginControlFlow("for (; i < $L; i++)", plane);
    c.addStatement("s += d[p + i]");
    c.endControlFlow();
    c.addStatement("gb[o] += s");
    c.endControlFlow();
  }

  @Override
  public void weightGradient(CodeBlock.Builder c) {
    if (pooled != null) {
      pooled.weightGradient(c);
      return;
    }
    if (transposed) {
      transposedGradient(c);
      return;
    }
    padDelta(c);
    // Taps outer, channels inner: a tile's col rows stay in L1 while every channel group passes
    // over them, and the padded δ is small enough to stay there too (the Fashion CNN's conv2:
    // col is 120 KB, δ 26 KB; channels outer re-read all of col from L2 once per group).
    int tiled = taps / gradientTaps * gradientTaps;
    c.beginControlFlow("for (int k = 0; k < $L; k += $L)", tiled, gradientTaps);
    channelGroups(c, gradientTile);
    c.endControlFlow();
    if (gradientRest != null) {
      c.beginControlFlow("for (int k = $L; k < $L; k++)", tiled, taps);
      channelGroups(c, gradientRest);
      c.endControlFlow();
    }
  }

  /** Calls {@code tile(o, k)} for every group of {@link #rows} output channels. */
  private void channelGroups(CodeBlock.Builder c, String tile) {
    c.beginControlFlow("for (int o = 0; o < $L; o += $L)", out.channels(), rows);
    c.addStatement("$N(o, k)", tile);
    c.endControlFlow();
  }

  @Override
  public void inputDelta(CodeBlock.Builder c) {
    if (pooled != null) {
      pooled.inputDelta(c);
      return;
    }
    if (flipped) {
      flippedDelta(c);
      return;
    }
    padDelta(c);
    tileLoops(c, taps, tapRows, deltaWideRows, stride, deltaWide, deltaNarrow, delta1);
    ctx.declareArray(c, "dc", dcol);
    c.addStatement("$T.fill(g, $L)", java.util.Arrays.class, ctx.lit(0));
    if (flat()) {
      flatCol2im(c);
    } else {
      taps(c, ConvGeometry.columns(win, "g[xr + ox * $L] += dc[kr + ox]"));
    }
  }

  /**
   * Whether position p = oy·W + ox of every tap reads input p + d for one offset d per tap:
   * stride 1 and an output as wide as the input (`same` padding along the rows).
   */
  private boolean flat() {
    return win.strideWidth() == 1 && win.strideHeight() == 1 && out.width() == in.width();
  }

  /**
   * Whether the layer can be computed over a zero-bordered input or δ, every output position
   * at one constant offset per tap: stride 1 and padding below the kernel on both axes (the
   * border of the flipped delta is KH − 1 − P rows and KW − 1 − P columns).
   */
  private boolean borderable() {
    return win.strideHeight() == 1 && win.strideWidth() == 1
        && win.padHeight() < win.kernelHeight() && win.padWidth() < win.kernelWidth();
  }

  /**
   * col2im of a {@link #flat} convolution: each tap's dcol row is added to the input delta in
   * one loop from its first to its last valid position (which C2 vectorizes; per output row the
   * loops were 14 long for the Fashion CNN's conv2), after its columns that lie in the padding,
   * which that loop also passes over, are set to zero.
   */
  private void flatCol2im(CodeBlock.Builder c) {
    int w = in.width();
    ConvGeometry.taps(c, in, out, win, CodeBlock.builder()
            .addStatement("int k = (ci * $L + ki) * $L + kj", win.kernelHeight(),
                win.kernelWidth())
            .build(), CodeBlock.of("int kr = k * $L + oy * $L;\n", stride, w),
        paddingColumnsToZero("dc", w), CodeBlock.builder()
            .addStatement("int shift = (ci * $L - $L + ki) * $L - $L + kj - k * $L", in.height(),
                win.padHeight(), w, win.padWidth(), stride)
            .beginControlFlow("for (int p = k * $L + y0 * $L + x0, end = k * $L + (y1 - 1) * $L"
                + " + x1; p < end; p++)", stride, w, stride, w)
            .addStatement("g[p + shift] += dc[p]")
            .endControlFlow()
            .build());
  }

  /** Sets row kr's columns outside [x0, x1) of {@code array} to zero. */
  private CodeBlock paddingColumnsToZero(String array, int w) {
    return CodeBlock.builder()
        .beginControlFlow("for (int ox = 0; ox < x0; ox++)")
        .addStatement("$L[kr + ox] = $L", array, ctx.lit(0))
        .endControlFlow()
        .beginControlFlow("for (int ox = x1; ox < $L; ox++)", w)
        .addStatement("$L[kr + ox] = $L", array, ctx.lit(0))
        .endControlFlow()
        .build();
  }

  /**
   * The input delta of a stride-1 convolution as one more convolution: with δ set into a buffer
   * with a zero border of KH − 1 − P rows and KW − 1 − P columns ({@link #deltaBorder}),
   * {@code g[ci][y][x] = Σ_{o,ki,kj} W[o][ci][ki][kj] δ[o][y + P − ki][x + P − kj]} reads, at
   * position q = y · B + x of a row B = W + KW − 1 values wide, the bordered δ at q plus one
   * offset per (ki, kj). So the tiles read whole vectors at constant offsets (KW − 1 columns per
   * row are junk, never copied out) and neither dcol nor col2im exists: the Fashion CNN's conv2
   * input delta took 17 µs of GEMM into dcol plus 11 µs of col2im per example that way.
   */
  private void flippedDelta(CodeBlock.Builder c) {
    int bh = win.kernelHeight() - 1 - win.padHeight();
    int bw = win.kernelWidth() - 1 - win.padWidth();
    ctx.declareArray(c, "db", deltaBorder);
    intoBorder(c, "d", "db", out.channels(), out.height(), out.width(), borderPlane, borderWidth,
        bh, bw, true);
    tileLoops(c, in.channels(), channelRows, deltaWideRows, inStride, deltaWide, deltaNarrow,
        deltaTall, deltaTallRows, delta1);
    ctx.declareArray(c, "di", deltaIn);
    outOfBorder(c, List.of("di"), List.of("g"), in.channels(), in.height(), in.width(), inStride,
        borderWidth, true);
  }

  /**
   * One term of a flipped tile: {@code vectors} vectors of bordered δ from {@code at}, times the
   * weights of the tile's {@code channelRows} channels from {@code weight}.
   */
  private void flippedTerm(CodeBlock.Builder c, int channelRows, int vectors, String at,
      String weight) {
    ClassName v = loops.vectorType();
    for (int u = 0; u < vectors; u++) {
      c.addStatement("$T x$L = $T.fromArray(SPECIES, src, $L$L)", v, u, v, at,
          u == 0 ? "" : " + " + u + " * LANES");
    }
    int kernel = win.kernelHeight() * win.kernelWidth();
    for (int r = 0; r < channelRows; r++) {
      c.addStatement("$T w$L = $T.broadcast(SPECIES, a[$L$L])", v, r, v, weight,
          r == 0 ? "" : " + " + r * kernel);
      for (int u = 0; u < vectors; u++) {
        c.addStatement("acc$L$L = x$L.fma(w$L, acc$L$L)", r, u, u, r, r, u);
      }
    }
  }

  /**
   * True if the flipped input-delta tiles skip the window rows that read only δ's zero border
   * for their positions' rows: where at least {@link #MIN_SKIPPED_BORDER} of the (input row,
   * window row) pairs do. LeNet-5's conv2 (12 rows, 5 × 5, no padding) skips 20 of 60 and its
   * input delta went 15.1–18.6 → 11.1–11.4 µs on the Zen 3 host; the Small CNN's conv2 (14 rows,
   * 3 × 3, padding 1) would skip 2 of 42 and measured 32–33 → 34–38 µs with the variable range.
   */
  private static boolean skipsBorderRows(Shape.Image in, Shape.Image out, Window win) {
    int kh = win.kernelHeight();
    int pairs = 0;
    for (int y = 0; y < in.height(); y++) {
      int lo = Math.max(0, y + win.padHeight() - out.height() + 1);
      int hi = Math.min(kh - 1, y + win.padHeight());
      pairs += Math.max(0, hi - lo + 1);
    }
    return pairs <= (1 - MIN_SKIPPED_BORDER) * in.height() * kh;
  }

  /** The share of border-only terms from which the flipped tiles skip them. */
  static final double MIN_SKIPPED_BORDER = 0.15;

  /**
   * Flipped input-delta tile ({@link #flippedDelta}): input channels r .. r + channelRows − 1,
   * {@code vectors} vectors of positions from p, a sum over (o, ki, kj).
   */
  private MethodSpec flippedTile(String name, int channelRows, int vectors) {
    ClassName v = loops.vectorType();
    int kh = win.kernelHeight();
    int kw = win.kernelWidth();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "a", n.weight());
    ctx.declareArray(c, "src", deltaBorder);
    ctx.declareArray(c, "dst", deltaIn);
    for (int r = 0; r < channelRows; r++) {
      for (int u = 0; u < vectors; u++) {
        c.addStatement("$T acc$L$L = $T.zero(SPECIES)", v, r, u, v);
      }
    }
    // One loop over the window's terms with their offsets from a table: 13.8 µs for the Fashion
    // CNN's conv2 against 15.4 with loops over ki and kj (their index arithmetic ran beside every
    // 16 multiply-adds). Writing the 9 terms out measured 12.0 µs alone but boxed its vectors in
    // the generated class: 144 fma call sites in one method are past what C2 inlines.
    if (bordersSkipped) {
      // Only the window rows ki whose δ row y + P − ki lies inside δ for one of the tile's rows
      // y: the others read the zero border alone. A skipped term would add w · 0: no sum changes
      // (but for the sign of a zero). The range always holds a term (kkLo is at most the last
      // window row; the junk rows past the input compute junk) and the loop is a do-while: as a
      // for loop that might run no term, C2 boxed the accumulators (LeNet-5's conv2 input delta
      // 28 → 350 µs).
      int first = out.height() - 1 - win.padHeight(); // row y reaches δ from ki = y − first on
      c.addStatement("int kkLo = Math.min($L, Math.max(0, p / $L $L $L)) * $L", kh - 1,
          borderWidth, first < 0 ? "+" : "-", Math.abs(first), kw);
      c.addStatement("int kkEnd = Math.min($L, (p + $L * LANES - 1) / $L + $L) * $L", kh,
          vectors, borderWidth, win.padHeight() + 1, kw);
    }
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.addStatement("int sb = o * $L + p", borderPlane);
    c.addStatement("int tb = (o * $L + r) * $L", in.channels(), kh * kw);
    if (bordersSkipped) {
      c.addStatement("int kk = kkLo");
      c.add("do {\n$>");
      flippedTerm(c, channelRows, vectors, "sb + " + borderOffsets + "[kk]", "tb + kk");
      c.addStatement("kk++");
      c.add("$<} while (kk < kkEnd);\n");
    } else {
      c.beginControlFlow("for (int kk = 0; kk < $L; kk++)", kh * kw);
      flippedTerm(c, channelRows, vectors, "sb + " + borderOffsets + "[kk]", "tb + kk");
      c.endControlFlow();
    }
    c.endControlFlow();
    for (int r = 0; r < channelRows; r++) {
      for (int u = 0; u < vectors; u++) {
        c.addStatement("acc$L$L.intoArray(dst, (r + $L) * $L + p$L)", r, u, r, inStride,
            u == 0 ? "" : " + " + u + " * LANES");
      }
    }
    return tileMethod(name, "Layer " + conv.name() + ": the input delta of " + channelRows
        + " channels from r, " + vectors + " vectors of positions from p (flipped kernels).",
        c.build(), "r");
  }

  /**
   * The weight gradient as {@code ∂Wᵀ[k][o] += Σ_p col[k][p] δᵀ[p][o]}: δ transposed once, then
   * tiles of {@link #transposedTaps} taps × 2 (or 1) vectors of output channels whose accumulators
   * run over every position without a reduction, loaded from and stored to {@link #gradientT},
   * which {@link #settle} adds to ∂W once per batch. The form over positions instead reduces
   * each weight's vector lanes, per example into a per-lane buffer of 16 values per weight (295
   * KB for the Fashion CNN's conv2, read and written per example): 23.7 µs there against 14.5
   * transposed, transposition included (1.8 µs).
   */
  private void transposedGradient(CodeBlock.Builder c) {
    ctx.declareArray(c, "dt", deltaT);
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.beginControlFlow("for (int p = 0; p < $L; p++)", positions);
    c.addStatement("dt[p * $L + o] = d[o * $L + p]", out.channels(), positions);
    c.endControlFlow();
    c.endControlFlow();
    loops.byRegisterTiles(c, t -> {
      TransposedTiles tiles = t == WIDE ? wideGradient : narrowGradient;
      c.beginControlFlow("for (int k = 0; k < $L; k += $L)", taps, tiles.taps());
      c.addStatement("int ob = 0");
      c.beginControlFlow("for (; ob <= $L - 2 * LANES; ob += 2 * LANES)", out.channels());
      c.addStatement("$N(k, ob)", tiles.two());
      c.endControlFlow();
      c.beginControlFlow("for (; ob < $L; ob += LANES)", out.channels());
      c.addStatement("$N(k, ob)", tiles.one());
      c.endControlFlow();
      c.endControlFlow();
    });
  }

  /**
   * The transposed weight-gradient tiles of {@code taps} taps: {@code two} over 2 vectors of
   * channels, {@code one} over the last vector where the channels leave one.
   */
  private record TransposedTiles(int taps, String two, String one) {}

  /**
   * Taps per transposed weight-gradient tile: a tile of T taps × 2 vectors of channels holds 2T
   * accumulators, 2 δ vectors and a broadcast. With wide tiles (AVX-512's 32 registers) T = 8;
   * with narrow ones (AVX2's 16) T = 6, the most that fit (15): 8 spilled there. The Fashion
   * CNN's conv2 weight gradient (144 taps, 32 channels) on the AMD Zen 3 host (AVX2): 37.7 / 35.2
   * µs per example with 8 taps, 21.5 / 22.9 with 6, 24.0 / 25.2 with 4; training 6.3k → 7.2k
   * samples/s. T is the largest divisor of the taps up to that bound.
   */
  private int transposedTaps(CodegenPolicy.RegisterTiles tiles) {
    return divisor(taps, tiles == WIDE ? 8 : 6);
  }

  private TransposedTiles transposedTiles(Names names, String base,
      CodegenPolicy.RegisterTiles tiles) {
    int t = transposedTaps(tiles);
    return new TransposedTiles(t, names.helper(base + "GradientTile" + t),
        names.helper(base + "GradientTile" + t + "x1"));
  }

  private void registerTransposedTiles(Helpers h, TransposedTiles tiles) {
    h.add(transposedGradientTile(tiles.two(), tiles.taps(), 2));
    h.add(transposedGradientTile(tiles.one(), tiles.taps(), 1));
  }

  /**
   * Transposed weight-gradient tile ({@link #transposedGradient}): ∂Wᵀ of taps k .. k +
   * tapCount − 1 and {@code vectors} vectors of channels from ob, over every position.
   */
  private MethodSpec transposedGradientTile(String name, int tapCount, int vectors) {
    ClassName v = loops.vectorType();
    int channels = out.channels();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "gt", gradientT);
    ctx.declareArray(c, "dt", deltaT);
    ctx.declareArray(c, "col", col);
    // The accumulators start from the sums so far and go back there: no vector add (see
    // gradientTile).
    for (int r = 0; r < tapCount; r++) {
      for (int u = 0; u < vectors; u++) {
        c.addStatement("$T acc$L$L = $T.fromArray(SPECIES, gt, (k + $L) * $L + ob$L)", v, r, u,
            v, r, channels, u == 0 ? "" : " + " + u + " * LANES");
      }
    }
    if (sharesRows) {
      for (int r = 0; r < tapCount; r++) {
        c.addStatement("int c$L = $L", r, colRow("k + " + r));
      }
    }
    c.beginControlFlow("for (int p = 0; p < $L; p++)", positions);
    for (int u = 0; u < vectors; u++) {
      c.addStatement("$T e$L = $T.fromArray(SPECIES, dt, p * $L + ob$L)", v, u, v, channels,
          u == 0 ? "" : " + " + u + " * LANES");
    }
    for (int r = 0; r < tapCount; r++) {
      if (sharesRows) {
        c.addStatement("$T x$L = $T.broadcast(SPECIES, col[c$L + p])", v, r, v, r);
      } else {
        c.addStatement("$T x$L = $T.broadcast(SPECIES, col[(k + $L) * $L + p])", v, r, v, r,
            stride);
      }
      for (int u = 0; u < vectors; u++) {
        c.addStatement("acc$L$L = e$L.fma(x$L, acc$L$L)", r, u, u, r, r, u);
      }
    }
    c.endControlFlow();
    for (int r = 0; r < tapCount; r++) {
      for (int u = 0; u < vectors; u++) {
        c.addStatement("acc$L$L.intoArray(gt, (k + $L) * $L + ob$L)", r, u, r, channels,
            u == 0 ? "" : " + " + u + " * LANES");
      }
    }
    return tileMethod(name, "Layer " + conv.name() + ": adds the transposed weight gradient of "
        + tapCount + " taps from k and " + vectors + " vectors of channels from ob.",
        c.build(), "k", "ob");
  }

  @Override
  public String description() {
    return "im2col and register-tiled vector GEMMs";
  }

  /** Copies δ into the padded rows (whose padding stays zero), unless the rows need none. */
  private void padDelta(CodeBlock.Builder c) {
    if (deltaPad.equals(n.delta())) {
      return;
    }
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
    c.addStatement("$T.arraycopy(d, o * $L, $N, o * $L, $L)", System.class, positions, deltaPad,
        stride, positions);
    c.endControlFlow();
  }

  /**
   * Calls the wide or the narrow tile (whichever the policy has, or the one {@link
   * VectorLoops#WIDE_TILES} picks) over {@code count} destination rows, {@code step} at a time
   * ({@code wideStep} for the wide tile), and its vectors of positions, then the narrow tile where
   * the wide one leaves enough (if the class has both), then {@code tile1} for the vectors left: a
   * one-vector tile loads a weight per FMA, so the Fashion CNN's conv2 in place (14 vectors of
   * positions) ran 4 + 4 + 4 + 1 + 1 vectors in 17.0 µs per image and 4 + 4 + 4 + 2 in 16.4 µs
   * (LeNet-5's conv2: 4.25 → 3.63 µs; the Fashion CNN's conv2 input delta, 13 vectors: 21.2 → 19.3
   * µs), Intel Xeon host.
   */
  private void tileLoops(CodeBlock.Builder c, int count, int step, int wideStep,
      int positions, String wide, String narrow, String tile1) {
    tileLoops(c, "0", String.valueOf(count), step, wideStep, positions, wide, narrow, null,
        tile1);
  }

  /**
   * {@link #tileLoops} where the narrow tiles start with {@code tall} ones ({@link #TALL_ROWS}
   * rows) over the first {@code split} rows, unless tall is null.
   */
  private void tileLoops(CodeBlock.Builder c, int count, int step, int wideStep,
      int positions, String wide, String narrow, String tall, int split, String tile1) {
    tileLoops(c, "0", String.valueOf(count), step, wideStep, positions, wide, narrow,
        tall == null ? null : () -> tallTileLoop(c, count, step, split, positions, tall, narrow),
        tile1);
  }

  /**
   * {@link #tileLoops} over the rows from {@code first} to before {@code end}: constants, or
   * the locals of one part of predict's pass (multiples of {@link #predictPartAlign}). Each
   * row's positions go through the same tiles as in the whole loops (the positions decide
   * which), so a row's values are the same bits however the rows are parted. {@code tallLoop},
   * if not null, emits the narrow tiles' loop instead (over all rows: {@link #tallTileLoop}).
   */
  private void tileLoops(CodeBlock.Builder c, String first, String end, int step, int wideStep,
      int positions, String wide, String narrow, Runnable tallLoop, String tile1) {
    c.addStatement("int pos = 0");
    loops.byRegisterTiles(c, t -> {
      if (t == WIDE) {
        tileLoop(c, first, end, wideStep, positions, wide, wideVectors(wideStep));
      } else if (tallLoop != null) {
        tallLoop.run();
      } else {
        tileLoop(c, first, end, step, positions, narrow, t.convVectors());
      }
      if (t == WIDE && narrow != null) {
        tileLoop(c, first, end, step, positions, narrow, NARROW.convVectors());
      }
    });
    c.beginControlFlow("for (; pos < $L; pos += LANES)", positions);
    c.beginControlFlow("for (int r = $L; r < $L; r += $L)", first, end, step);
    c.addStatement("$N(r, pos)", tile1);
    c.endControlFlow();
    c.endControlFlow();
  }

  /**
   * Rows of the tall narrow tiles, which only the flipped input delta has: 6 input channels × 2
   * vectors hold 12 accumulators, and with 2 source vectors and a broadcast 15 of AVX2's 16
   * registers (4 × 3 spilled: the Fashion CNN's conv2 forward 30 → 55 µs per example). On the
   * AMD Zen 3 host the input delta of the Fashion CNN's conv2 (16 input channels: 12 in tall
   * tiles, 4 in one narrow) went 29–32 → 26–29 µs per example and LeNet-5's (6 input channels)
   * 10.1–10.5 → 6.8–7.2 µs. The forward tiles stay 4 rows tall: 6 × 2 measured 28–30 → 48 µs
   * for the Fashion CNN's conv2 training forward and erratic for its predict (24–45 µs).
   */
  static final int TALL_ROWS = 6;

  /**
   * The rows that tall narrow tiles ({@link #TALL_ROWS} rows) cover of {@code count} rows whose
   * narrow tiles take {@code step}: the most, a multiple of 6, that leaves a multiple of step
   * (the Fashion CNN's conv2, 16 input channels: 12, then one tile of 4), or 0 where step is 6
   * already, the sums are short (below {@value #MIN_TALL_TERMS} terms, as for the wide tiles) or
   * none fits.
   */
  private static int tallSplit(int count, int step, int terms) {
    if (step >= TALL_ROWS || terms < MIN_TALL_TERMS) {
      return 0;
    }
    for (int split = count / TALL_ROWS * TALL_ROWS; split > 0; split -= TALL_ROWS) {
      if ((count - split) % step == 0) {
        return split;
      }
    }
    return 0;
  }

  /**
   * The narrow tiles' loop with tall tiles: over 2 vectors of positions at a time, {@code tall}
   * on the first {@code split} rows, 6 at a time, then {@code narrow} on the rest.
   */
  private void tallTileLoop(CodeBlock.Builder c, int count, int step, int split, int positions,
      String tall, String narrow) {
    int vectors = NARROW.convVectors();
    c.beginControlFlow("for (; pos <= $L - $L * LANES; pos += $L * LANES)", positions, vectors,
        vectors);
    c.beginControlFlow("for (int r = 0; r < $L; r += $L)", split, TALL_ROWS);
    c.addStatement("$N(r, pos)", tall);
    c.endControlFlow();
    if (split < count) {
      c.beginControlFlow("for (int r = $L; r < $L; r += $L)", split, count, step);
      c.addStatement("$N(r, pos)", narrow);
      c.endControlFlow();
    }
    c.endControlFlow();
  }

  /** Calls {@code tile(r, pos)} over the rows and {@code vectors} vectors of positions. */
  private void tileLoop(CodeBlock.Builder c, String first, String end, int step, int positions,
      String tile, int vectors) {
    c.beginControlFlow("for (; pos <= $L - $L * LANES; pos += $L * LANES)", positions, vectors,
        vectors);
    c.beginControlFlow("for (int r = $L; r < $L; r += $L)", first, end, step);
    c.addStatement("$N(r, pos)", tile);
    c.endControlFlow();
    c.endControlFlow();
  }

  /**
   * {@link ConvGeometry#taps} with {@code k} the tap's index and {@code kr} its row's start in
   * col (or dcol) at output row oy.
   */
  private void taps(CodeBlock.Builder c, CodeBlock columns) {
    ConvGeometry.taps(c, in, out, win,
        CodeBlock.of("int k = (ci * $L + ki) * $L + kj;\n", win.kernelHeight(),
            win.kernelWidth()),
        CodeBlock.of("int kr = k * $L + oy * $L;\n", stride, out.width()), columns);
  }

  /**
   * Copies {@code width} values from {@code src[srcOff]} to {@code dst[dstOff]}, for the short
   * rows of im2col and of the bordered buffers: whole vectors where the row holds one (the last
   * ending at the row's end, overlapping the one before where the width is no multiple of the
   * lanes), else value by value. Both branches test constants (LANES is one to C2), so a class
   * runs one. {@code System.arraycopy} of such a row is a stub call, or, for 8 values or fewer,
   * one load and store per value: that, if {@code vectors} is false.
   */
  private CodeBlock rowCopy(String src, CodeBlock srcOff, String dst, CodeBlock dstOff,
      int width, boolean vectors) {
    if (!vectors) {
      return CodeBlock.of("$T.arraycopy($L, $L, $L, $L, $L);\n", System.class, src, srcOff, dst,
          dstOff, width);
    }
    ClassName v = loops.vectorType();
    return CodeBlock.builder()
        .beginControlFlow("if ($L >= LANES)", width)
        .beginControlFlow("for (int j = 0; j < $L - LANES; j += LANES)", width)
        .addStatement("$T.fromArray(SPECIES, $L, $L + j).intoArray($L, $L + j)", v, src, srcOff,
            dst, dstOff)
        .endControlFlow()
        .addStatement("$T.fromArray(SPECIES, $L, $L + $L - LANES).intoArray($L, $L + $L - LANES)",
            v, src, srcOff, width, dst, dstOff, width)
        .nextControlFlow("else")
        .beginControlFlow("for (int j = 0; j < $L; j++)", width)
        .addStatement("$L[$L + j] = $L[$L + j]", dst, dstOff, src, srcOff)
        .endControlFlow()
        .endControlFlow()
        .build();
  }

  /** Forward tile: z rows r .. r + rows - 1, {@code vectors} vectors from position p. */
  private MethodSpec forwardTile(String name, int tileRows, int vectors) {
    // Without shared rows "i * stride", not colRow's "(i) * stride": those layers' generated
    // sources stay as they were.
    String srcRow = sharesRows ? colRow("i") : "i * " + stride;
    return axpyTile(name, vectors, tileRows, taps, n.weight(), r -> "(r + " + r + ") * " + taps
        + " + i", col, srcRow,
        r -> CodeBlock.of("$T.broadcast(SPECIES, bias[r + $L])", loops.vectorType(), r), zPad,
        r -> "(r + " + r + ") * " + stride, aPad,
        "Layer " + conv.name() + " forward: z" + (activates ? " and activations" : "") + " of "
            + tileRows + " channels from r, " + vectors
            + " vectors of positions from p.");
  }

  /** Input-delta tile: dcol rows (taps) r .. r + tapRows - 1, vectors from position p. */
  private MethodSpec deltaTile(String name, int tileRows, int vectors) {
    return axpyTile(name, vectors, tileRows, out.channels(), n.weight(), r -> "i * " + taps
        + " + r + " + r, deltaPad, "i * " + stride,
        r -> CodeBlock.of("$T.zero(SPECIES)", loops.vectorType()), dcol,
        r -> "(r + " + r + ") * " + stride, null,
        "Layer " + conv.name() + ": dcol of " + tileRows + " taps from r, " + vectors
            + " vectors of positions from p.");
  }

  /**
   * {@code tileRows × vectors} accumulators, each {@code init(row)} plus, for i below
   * {@code terms}, {@code a[aIndex(row)] · src[srcRow + p + vector]} (srcRow an expression of
   * i), stored at {@code dst[dstRow(row) + p + vector]} unless {@code dst} is null and, unless
   * {@code actDst} is null, their activation at the same index of {@code actDst}; a method
   * {@code name(int r, int p)}.
   */
  private MethodSpec axpyTile(String name, int vectors, int tileRows, int terms, String a,
      IntFunction<String> aIndex, String src, String srcRow, IntFunction<CodeBlock> init,
      String dst, IntFunction<String> dstRow, String actDst, String doc) {
    ClassName v = loops.vectorType();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "a", a);
    ctx.declareArray(c, "src", src);
    if (dst != null) {
      ctx.declareArray(c, "dst", dst);
    }
    if (init.apply(0).toString().contains("bias")) {
      ctx.declareArray(c, "bias", n.bias());
    }
    for (int r = 0; r < tileRows; r++) {
      for (int u = 0; u < vectors; u++) {
        c.addStatement("$T acc$L$L = $L", v, r, u, init.apply(r));
      }
    }
    c.beginControlFlow("for (int i = 0; i < $L; i++)", terms);
    c.addStatement("int s = $L + p", srcRow);
    for (int u = 0; u < vectors; u++) {
      c.addStatement("$T x$L = $T.fromArray(SPECIES, src, s$L)", v, u, v,
          u == 0 ? "" : " + " + u + " * LANES");
    }
    for (int r = 0; r < tileRows; r++) {
      c.addStatement("$T w$L = $T.broadcast(SPECIES, a[$L])", v, r, v, aIndex.apply(r));
      for (int u = 0; u < vectors; u++) {
        c.addStatement("acc$L$L = x$L.fma(w$L, acc$L$L)", r, u, u, r, r, u);
      }
    }
    c.endControlFlow();
    boolean relu = actDst != null && conv.activation() instanceof Activation.Relu;
    if (actDst != null) {
      ctx.declareArray(c, "act", actDst);
    }
    if (relu) {
      c.addStatement("$T zero = $T.zero(SPECIES)", v, v);
    }
    for (int r = 0; r < tileRows; r++) {
      for (int u = 0; u < vectors; u++) {
        String at = dstRow.apply(r) + " + p" + (u == 0 ? "" : " + " + u + " * LANES");
        if (dst != null) {
          c.addStatement("acc$L$L.intoArray(dst, $L)", r, u, at);
        }
        if (relu) {
          // σ(z) = z > 0 ? z : 0 exactly, NaN included (max would keep a NaN).
          c.addStatement("zero.blend(acc$L$L, acc$L$L.compare($T.GT, $L)).intoArray(act, $L)", r,
              u, r, u, OPERATORS, ctx.lit(0), at);
        } else if (actDst != null) {
          c.addStatement("acc$L$L.intoArray(act, $L)", r, u, at);
        }
      }
    }
    return tileMethod(name, doc, c.build(), "r");
  }

  /**
   * Weight-gradient tile: ∂W of channels o .. o + rows - 1 and taps k .. k + tapCount - 1, vector
   * dot products of padded δ rows with col rows, reduced once each.
   */
  private MethodSpec gradientTile(String name, int tapCount) {
    ClassName v = loops.vectorType();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, gradientLanes != null ? "gl" : "gw",
        gradientLanes != null ? gradientLanes : n.weightGrad());
    ctx.declareArray(c, "dp", deltaPad);
    ctx.declareArray(c, "col", col);
    // With lane sums, the accumulators start from them and go back to them: a vector add
    // instead would need FloatVector.add inlined, which C2 refuses once its JVM has compiled
    // add on its own into a large method (the vectors are then boxed: AllocationTest).
    for (int r = 0; r < rows; r++) {
      for (int t = 0; t < tapCount; t++) {
        if (gradientLanes != null) {
          c.addStatement("$T acc$L$L = $T.fromArray(SPECIES, gl, ((o + $L) * $L + k + $L) * LANES)",
              v, r, t, v, r, taps, t);
        } else {
          c.addStatement("$T acc$L$L = $T.zero(SPECIES)", v, r, t, v);
        }
      }
    }
    if (sharesRows) {
      for (int t = 0; t < tapCount; t++) {
        c.addStatement("int c$L = $L", t, colRow("k + " + t));
      }
    }
    c.beginControlFlow("for (int p = 0; p < $L; p += LANES)", stride);
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T d$L = $T.fromArray(SPECIES, dp, (o + $L) * $L + p)", v, r, v, r,
          stride);
    }
    for (int t = 0; t < tapCount; t++) {
      if (sharesRows) {
        c.addStatement("$T x$L = $T.fromArray(SPECIES, col, c$L + p)", v, t, v, t);
      } else {
        c.addStatement("$T x$L = $T.fromArray(SPECIES, col, (k + $L) * $L + p)", v, t, v, t,
            stride);
      }
      for (int r = 0; r < rows; r++) {
        c.addStatement("acc$L$L = d$L.fma(x$L, acc$L$L)", r, t, r, t, r, t);
      }
    }
    c.endControlFlow();
    for (int r = 0; r < rows; r++) {
      for (int t = 0; t < tapCount; t++) {
        if (gradientLanes != null) {
          c.addStatement("acc$L$L.intoArray(gl, ((o + $L) * $L + k + $L) * LANES)", r, t, r, taps,
              t);
        } else {
          c.addStatement("gw[(o + $L) * $L + k + $L] += acc$L$L.reduceLanes($T.ADD)", r, taps,
              t, r, t, OPERATORS);
        }
      }
    }
    return tileMethod(name, "Layer " + conv.name() + ": adds the weight gradient of "
        + rows + " channels from o and " + tapCount + " taps from k.", c.build(), "o", "k");
  }

  @Override
  public MethodSpec prepareBackward() {
    return pooled == null ? null : pooled.prepareBackward();
  }

  @Override
  public MethodSpec settle() {
    if (pooled != null) {
      return pooled.settle();
    }
    if (settle == null) {
      return null;
    }
    int weights = out.channels() * taps;
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "gw", n.weightGrad());
    if (transposed) {
      ctx.declareArray(c, "gt", gradientT);
      c.beginControlFlow("for (int o = 0; o < $L; o++)", out.channels());
      c.beginControlFlow("for (int k = 0; k < $L; k++)", taps);
      c.addStatement("gw[o * $L + k] += gt[k * $L + o]", taps, out.channels());
      c.endControlFlow();
      c.endControlFlow();
      c.addStatement("$T.fill(gt, $L)", java.util.Arrays.class, ctx.lit(0));
      return settleMethod(c);
    }
    ctx.declareArray(c, "gl", gradientLanes);
    // Plain loops: called once per batch, this method may run for a long time before C2
    // compiles it, and until then Vector API code allocates its vectors.
    c.beginControlFlow("for (int k = 0; k < $L; k++)", weights);
    c.addStatement("$T s = $L", ctx.scalar(), ctx.lit(0));
    c.beginControlFlow("for (int l = k * LANES, end = l + LANES; l < end; l++)");
    c.addStatement("s += gl[l]");
    c.endControlFlow();
    c.addStatement("gw[k] += s");
    c.endControlFlow();
    c.addStatement("$T.fill(gl, 0, $L * LANES, $L)", java.util.Arrays.class, weights,
        ctx.lit(0));
    return settleMethod(c);
  }

  private MethodSpec settleMethod(CodeBlock.Builder c) {
    return MethodSpec.methodBuilder(settle)
        .addJavadoc("Layer $L: adds this batch's weight gradient, kept $L, to the gradient and"
            + " clears it.\n", Javadoc.escape(conv.name()),
            transposed ? "transposed" : "per vector lane")
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }

  private static MethodSpec tileMethod(String name, String doc, CodeBlock body,
      String... intParameters) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(name)
        .addJavadoc("$L\n", Javadoc.escape(doc))
        .addModifiers(Modifier.PRIVATE);
    for (String p : intParameters) {
      m.addParameter(int.class, p);
    }
    if (intParameters.length == 1) {
      m.addParameter(int.class, "p");
    }
    return m.addCode(body).build();
  }
}
