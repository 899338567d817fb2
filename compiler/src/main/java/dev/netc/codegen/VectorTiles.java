package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntFunction;
import javax.lang.model.element.Modifier;

/**
 * The Vector API backend's register tiles (forward dot products, ∂W and Δ tiles) as small static
 * methods: C1 ran out of registers on a layer method that held its tiles inline (and HotSpot then
 * never compiled it with C2, so the Vector API boxed every vector). Each method returns the
 * {@link Tile} it asks for (the method is emitted once per shape and constant strides).
 *
 * <p>A large layer's strides (its input and output widths) are constants in tiles of its own;
 * smaller layers share tiles that take them as parameters. With parameters C2 had no register
 * left for the eight weight rows' offsets of a column tile: it recomputed them from spilled values,
 * about 57 instructions around 16 FMAs; with constants they become displacements of one address
 * (50, the loads' bounds checks still in the loop), and the ∂W tile loses its stack spills. The
 * Fashion MLP's training step on one thread (Intel Xeon host, three runs each, the same JVM
 * flags): batch 128 73–74k → 79–82k samples/s with the 784→256 layer's tiles of its own, 82–83k
 * with the 256→128 one's too; batch 32 64–68k → 68–70k, and 69k. But each tile of its own is one more method for
 * C1 and C2 to compile while the first epoch runs: with every layer's own tiles one epoch of
 * {@code netc train} took 0.1–0.4 s longer in all, with the first layer's alone the same time.
 * So a layer has its own tiles from {@link #CONSTANT_STRIDE_WEIGHTS} weights on.
 */
final class VectorTiles {
  /** A dense layer with at least this many weights (512 KB of floats) has tiles of its own. */
  static final int CONSTANT_STRIDE_WEIGHTS = 131_072;

  private final EmitContext ctx;
  private final VectorLoops loops;
  private final Map<String, MethodSpec> tiles = new LinkedHashMap<>();

  VectorTiles(EmitContext ctx, VectorLoops loops) {
    this.ctx = ctx;
    this.loops = loops;
  }

  /** The tile methods asked for so far, in the order they were first asked for. */
  List<MethodSpec> methods() {
    return List.copyOf(tiles.values());
  }

  /**
   * The forward tile of {@code rows} output rows × {@code cols} examples: vector dot products
   * reduced once, plus the bias, written as z batch-major. {@code length} is the layer's input
   * width, {@code zStride} its output width; {@code constant}: both constants in the tile.
   */
  Tile forward(int rows, int cols, int length, int zStride, boolean constant) {
    Stride len = new Stride("len", length, constant);
    Stride ldz = new Stride("ldz", zStride, constant);
    return tile("forwardTile" + rows + "x" + cols, List.of(len, ldz),
        name -> forwardTileMethod(name, rows, cols, len, ldz));
  }

  private MethodSpec.Builder forwardTileMethod(String name, int rows, int cols, Stride len,
      Stride ldz) {
    CodeBlock.Builder c = CodeBlock.builder();
    loops.dotTile(c, rows, cols, "w", r -> len.times("wOff", r), "x", u -> len.times("xOff", u),
        len.text());
    for (int u = 0; u < cols; u++) {
      for (int r = 0; r < rows; r++) {
        c.addStatement("z[$L + $L] = s$L$L + b[bOff + $L]", ldz.times("zOff", u), r, r, u, r);
      }
    }
    return MethodSpec.methodBuilder(name)
        .addJavadoc("$L rows × $L examples of a layer's z: z[zOff + u * $L + r] = "
            + "w[wOff + r * $L ..] · x[xOff + u * $L ..]\n+ b[bOff + r], as vector dot products "
            + "of length $L.\n", rows, cols, ldz.text(), len.text(), len.text(), len.text())
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(ctx.array(), "w").addParameter(TypeName.INT, "wOff")
        .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
        .addParameter(ctx.array(), "b").addParameter(TypeName.INT, "bOff")
        .addParameter(ctx.array(), "z").addParameter(TypeName.INT, "zOff")
        .addCode(c.build());
  }

  /**
   * The column tile of the forward pass: {@code rows} output rows × {@code vecs} vectors of
   * examples, the inputs feature-major ({@code x[xOff + i * ldx + example]}), each weight
   * broadcast once per tile; z (bias included) written feature-major with the same stride.
   * {@code length} is the layer's input width; {@code constant}: a constant in the tile.
   */
  Tile columns(int rows, int vecs, int length, boolean constant) {
    Stride len = new Stride("len", length, constant);
    return tile("columnTile" + rows + "x" + vecs, List.of(len), name -> {
      CodeBlock.Builder c = CodeBlock.builder();
      ClassName v = loops.vectorType();
      // The sums start from the bias: no add at the end (see initAccumulators).
      for (int r = 0; r < rows; r++) {
        c.addStatement("$T b$L = $T.broadcast(SPECIES, b[bOff + $L])", v, r, v, r);
      }
      initAccumulators(c, rows, vecs, (r, u) -> CodeBlock.of("b$L", r));
      // Offsets stepped by their strides, not products of the index (see gradient).
      c.addStatement("int xo = xOff");
      c.beginControlFlow("for (int i = 0; i < $L; i++, xo += ldx)", len.text());
      accumulate(c, rows, vecs, "x", r -> "w[" + len.times("wOff", r) + " + i]");
      c.endControlFlow();
      for (int r = 0; r < rows; r++) {
        for (int u = 0; u < vecs; u++) {
          c.addStatement("a$L$L.intoArray(z, zOff + $L * ldx$L)", r, u, r, lanes(u));
        }
      }
      return MethodSpec.methodBuilder(name)
          .addJavadoc("$L rows × $L vectors of examples of a layer's z, feature-major: "
              + "z[zOff + r * ldx + k] = b[bOff + r] +\nΣ_i w[wOff + r * $L + i] · "
              + "x[xOff + i * ldx + k] over i < $L, summed in registers.\n", rows, vecs,
              len.text(), len.text())
          .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
          .addParameter(ctx.array(), "w").addParameter(TypeName.INT, "wOff")
          .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
          .addParameter(TypeName.INT, "ldx")
          .addParameter(ctx.array(), "b").addParameter(TypeName.INT, "bOff")
          .addParameter(ctx.array(), "z").addParameter(TypeName.INT, "zOff")
          .addCode(c.build());
    });
  }

  /**
   * The ∂W tile of {@code rows} rows × {@code vecs} vectors: loads its block of {@code gw},
   * adds the m examples' products to it in registers, and stores it once. The strides are
   * those of the inputs, the deltas and the gradient's rows; {@code constant}: constants in the
   * tile.
   *
   * <p>{@code packed}: the inputs come from {@link VectorBatchKernels#packColumns}'s copy, the
   * tile's columns of one example after another ({@code vecs} vectors apart), not from the rows
   * of x ({@code xStride} apart). {@code fresh}: the gradient so far is zero (the first chunk
   * of a step), so the sums start from zero and the block is stored without being read. Both
   * give the same sums in the same order. On the Zen 3 host the first layer's ∂W tiles ran
   * 1.3–1.5 times as long as its forward column tiles for as many multiply-adds: each tile's
   * loop runs over the chunk's examples only (32), opens with 12 loads of an 800 KB gradient
   * that no cache holds, and strides over x's rows, a cache line or two per example. With the
   * packed and fresh tiles the Fashion MLP's step ran 5 % faster at batch 32 and 10 % at batch
   * 128 there (medians of alternated bursts in one JVM; docs/performance.md).
   */
  Tile gradient(int rows, int vecs, int xStride, int dStride, int wStride,
      boolean constant, boolean packed, boolean fresh) {
    Stride ldx = new Stride("ldx", xStride, constant);
    Stride ldd = new Stride("ldd", dStride, constant);
    Stride ldw = new Stride("ldw", wStride, constant);
    String xStep = packed ? vecs + " * LANES" : ldx.text();
    String base = "gradientTile" + rows + "x" + vecs + (packed ? "Packed" : "")
        + (fresh ? "Fresh" : "");
    return tile(base, packed ? List.of(ldd, ldw) : List.of(ldx, ldd, ldw), name -> {
      CodeBlock.Builder c = CodeBlock.builder();
      ClassName v = loops.vectorType();
      if (fresh) {
        zeroAccumulators(c, rows, vecs);
      } else {
        // The sums start from the gradient so far: no add at the end (see initAccumulators).
        initAccumulators(c, rows, vecs, (r, u) -> CodeBlock.of("$T.fromArray(SPECIES, gw, $L$L)",
            v, ldw.times("gOff", r), lanes(u)));
      }
      // The offsets step by their strides: as products of the example index (strides that are
      // parameters) C2 kept two imuls and stack reloads in the loop (about 40 instructions for
      // 12 FMAs): the first layer's tiles 48-63 → 54-69 GFLOP/s.
      c.addStatement("int xo = xOff");
      c.addStatement("int ds = dOff");
      c.beginControlFlow("for (int s = 0; s < m; s++, xo += $L, ds += $L)", xStep,
          ldd.text());
      accumulate(c, rows, vecs, "x", r -> "d[ds" + (r == 0 ? "" : " + " + r) + "]");
      c.endControlFlow();
      for (int r = 0; r < rows; r++) {
        for (int u = 0; u < vecs; u++) {
          c.addStatement("a$L$L.intoArray(gw, $L$L)", r, u, ldw.times("gOff", r), lanes(u));
        }
      }
      return MethodSpec.methodBuilder(name)
          .addJavadoc("$L rows × $L vectors of a weight gradient: gw[gOff + r * $L + k] $L "
              + "Σ_s d[dOff + s * $L + r] ·\nx[xOff + s * $L + k] over the m examples, summed "
              + "in registers (k within the tile's vectors$L).\n", rows, vecs, ldw.text(),
              fresh ? "=" : "+=", ldd.text(), xStep,
              packed ? "; x the packed copy" : "")
          .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
          .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
          .addParameter(ctx.array(), "d").addParameter(TypeName.INT, "dOff")
          .addParameter(ctx.array(), "gw").addParameter(TypeName.INT, "gOff")
          .addParameter(TypeName.INT, "m")
          .addCode(c.build());
    });
  }

  /**
   * The Δ_prev tile of {@code rows} examples × {@code vecs} vectors: sums over the n outputs in
   * registers, in order, then multiplies by σ' (if {@code derivative}) and stores once. The
   * strides are those of the weights' rows, the deltas and g; {@code outputs} is the layer's
   * output count; {@code constant}: all of them constants in the tile.
   */
  Tile backprop(int rows, int vecs, boolean derivative, int wStride, int dStride, int outputs,
      int gStride, boolean constant) {
    Stride ldw = new Stride("ldw", wStride, constant);
    Stride ldd = new Stride("ldd", dStride, constant);
    Stride n = new Stride("n", outputs, constant);
    Stride ldg = new Stride("ldg", gStride, constant);
    return tile("backpropTile" + rows + "x" + vecs + (derivative ? "" : "Linear"),
        List.of(ldw, ldd, n, ldg), name -> {
      CodeBlock.Builder c = CodeBlock.builder();
      zeroAccumulators(c, rows, vecs);
      // Offsets stepped by their strides, not products of the index (see gradient).
      c.addStatement("int wo = wOff");
      c.beginControlFlow("for (int o = 0; o < $L; o++, wo += $L)", n.text(), ldw.text());
      accumulate(c, rows, vecs, "w", r -> "d[" + ldd.times("dOff", r) + " + o]");
      c.endControlFlow();
      ClassName v = loops.vectorType();
      if (derivative) {
        c.addStatement("$T zero = $T.zero(SPECIES)", v, v);
      }
      for (int r = 0; r < rows; r++) {
        for (int u = 0; u < vecs; u++) {
          String at = ldg.times("gOff", r) + lanes(u);
          if (derivative) {
            // fma with 0, not mul: no binary lanewise operation (see initAccumulators).
            c.addStatement("a$L$L.fma($T.fromArray(SPECIES, der, $L), zero).intoArray(g, $L)", r,
                u, v, at, at);
          } else {
            c.addStatement("a$L$L.intoArray(g, $L)", r, u, at);
          }
        }
      }
      return MethodSpec.methodBuilder(name)
          .addJavadoc("$L examples × $L vectors of a back-propagated delta: g[gOff + r * $L + k] "
              + "= Σ_o d[dOff + r * $L + o] ·\nw[wOff + o * $L + k] over o < $L$L, summed in "
              + "registers (k within the tile's vectors).\n", rows, vecs, ldg.text(), ldd.text(),
              ldw.text(), n.text(),
              derivative ? ", times der[gOff + r * " + ldg.text() + " + k]" : "")
          .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
          .addParameter(ctx.array(), "w").addParameter(TypeName.INT, "wOff")
          .addParameter(ctx.array(), "d").addParameter(TypeName.INT, "dOff")
          .addParameter(ctx.array(), "g").addParameter(ctx.array(), "der")
          .addParameter(TypeName.INT, "gOff")
          .addCode(c.build());
    });
  }

  /**
   * The one-example Δ_prev pass over {@code rows} weight rows r0, r1, …: g[k] += Σ d[r] · w[wOff
   * + r * ldw + k] over the rows in order, for every k < bound (g in L1, the rows streamed once).
   * Returns its method's name (its strides are parameters: it serves every large layer).
   */
  String deltaRowGroup(int rows) {
    return tile("deltaRows" + rows, List.of(), name -> {
      ClassName v = loops.vectorType();
      CodeBlock.Builder c = CodeBlock.builder();
      for (int r = 0; r < rows; r++) {
        c.addStatement("$T d$L = $T.broadcast(SPECIES, d[r$L])", v, r, v, r);
        c.addStatement("int w$L = wOff + r$L * ldw", r, r);
      }
      c.beginControlFlow("for (int k = 0; k < bound; k += LANES)");
      c.addStatement("$T a = $T.fromArray(SPECIES, g, k)", v, v);
      for (int r = 0; r < rows; r++) {
        c.addStatement("a = $T.fromArray(SPECIES, w, w$L + k).fma(d$L, a)", v, r, r);
      }
      c.addStatement("a.intoArray(g, k)");
      c.endControlFlow();
      MethodSpec.Builder m = MethodSpec.methodBuilder(name)
          .addJavadoc("Adds the products of $L weight rows with their deltas to g[k], k < bound, "
              + "row after row.\n", rows)
          .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
          .addParameter(ctx.array(), "w").addParameter(TypeName.INT, "wOff");
      for (int r = 0; r < rows; r++) {
        m.addParameter(TypeName.INT, "r" + r);
      }
      return m.addParameter(TypeName.INT, "ldw").addParameter(ctx.array(), "d")
          .addParameter(ctx.array(), "g").addParameter(TypeName.INT, "bound")
          .addCode(c.build());
    }).name();
  }

  /**
   * The tile method named {@code base} plus its constant strides' values, built the first time
   * it is asked for: {@code build} (given the method's name) makes the method up to its strides,
   * then the strides that are not constants become its last parameters, in the order of {@code
   * strides}, which is also the order of the call's stride arguments.
   */
  private Tile tile(String base, List<Stride> strides,
      Function<String, MethodSpec.Builder> build) {
    StringBuilder key = new StringBuilder(base);
    StringBuilder arguments = new StringBuilder();
    List<Stride> parameters = new ArrayList<>();
    for (Stride stride : strides) {
      if (stride.constant()) {
        key.append(Character.toUpperCase(stride.name().charAt(0)))
            .append(stride.name().substring(1)).append(stride.value());
      } else {
        arguments.append(", ").append(stride.value());
        parameters.add(stride);
      }
    }
    String name = tiles.computeIfAbsent(key.toString(), k -> {
      MethodSpec.Builder m = build.apply(ctx.names().helper(k));
      for (Stride stride : parameters) {
        m.addParameter(TypeName.INT, stride.name());
      }
      return m.build();
    }).name();
    return new Tile(name, arguments.toString());
  }

  /**
   * A tile method and the arguments a call passes after the others: the strides that are
   * parameters of the tile (none if they are constants in it), in the order it takes them.
   */
  record Tile(String name, String strideArguments) {
    /** The call with {@code arguments} (the tile's parameters before its strides). */
    String call(String arguments) {
      return name + "(" + arguments + strideArguments + ")";
    }
  }

  /** Declares the accumulators {@code aRU} of a rows × vecs tile, zero. */
  private void zeroAccumulators(CodeBlock.Builder c, int rows, int vecs) {
    ClassName v = loops.vectorType();
    initAccumulators(c, rows, vecs, (r, u) -> CodeBlock.of("$T.zero(SPECIES)", v));
  }

  /**
   * Declares the accumulators {@code aRU} with the initial values {@code init(r, u)}.
   *
   * <p>The tiles start their sums from what they would otherwise add at the end (the bias, the
   * gradient so far) and multiply by σ' with an fma: a tile then has no binary lanewise
   * operation (add, mul) at all. Each one C2 inlines brings the class-check traps recorded in
   * the Vector API's shared {@code lanewiseTemplate} and {@code VectorOperators.opKind}; JDK 17
   * sums them over a compilation, and past {@code PerMethodTrapLimit} (100) it stops using type
   * profiles, so some of the tile's stores became calls that box. With 16 adds at the end,
   * {@code gradientTile4x4} reached 128 in 3 of 10 runs of {@code MixedJvmAllocation} (CNN
   * classes run before the MLP) and its batch-32 step allocated 38–67 MB per 100 steps.
   */
  private void initAccumulators(CodeBlock.Builder c, int rows, int vecs,
      BiFunction<Integer, Integer, CodeBlock> init) {
    ClassName v = loops.vectorType();
    for (int r = 0; r < rows; r++) {
      for (int u = 0; u < vecs; u++) {
        c.addStatement("$T a$L$L = $L", v, r, u, init.apply(r, u));
      }
    }
  }

  /**
   * One term of a tile's sum: loads {@code vecs} vectors of {@code array} at the caller's offset
   * {@code <array>o} (into locals named after the array: {@code x0, x1, …}), then for each row
   * broadcasts {@code coef(r)} into {@code dR} and adds its products to the row's accumulators.
   */
  private void accumulate(CodeBlock.Builder c, int rows, int vecs, String array,
      IntFunction<String> coef) {
    ClassName v = loops.vectorType();
    for (int u = 0; u < vecs; u++) {
      c.addStatement("$T $L$L = $T.fromArray(SPECIES, $L, $Lo$L)", v, array, u, v, array, array,
          lanes(u));
    }
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T d$L = $T.broadcast(SPECIES, $L)", v, r, v, coef.apply(r));
      for (int u = 0; u < vecs; u++) {
        c.addStatement("a$L$L = $L$L.fma(d$L, a$L$L)", r, u, array, u, r, r, u);
      }
    }
  }

  /**
   * A size or stride of a tile: the layer's {@code value} written into the tile if {@code
   * constant}, else a parameter {@code name}, the tile's last ones.
   */
  private record Stride(String name, int value, boolean constant) {
    /** The stride as the tile's code reads it. */
    String text() {
      return constant ? String.valueOf(value) : name;
    }

    /** {@code base + k × stride}, folded into one number when the stride is a constant. */
    String times(String base, int k) {
      if (k == 0) {
        return base;
      }
      return constant ? base + " + " + k * value : base + " + " + k + " * " + name;
    }

  }

  /** {@code " + u * LANES"}, or nothing for the first vector of a tile. */
  private static String lanes(int u) {
    return u == 0 ? "" : " + " + u + " * LANES";
  }
}
