package dev.netc.codegen;

import static dev.netc.codegen.VectorLoops.VECTOR_PACKAGE;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * The Vector API kernel of a float maxpool layer whose windows are 2 columns wide with column
 * stride 2 on an even input width (2x2 pools, the common case; any window height and row
 * stride). Two passes:
 * <ol>
 *   <li>pairs: the whole input, read as one run of column pairs (rows have an even width, so no
 *       pair straddles two rows), 2·LANES inputs at a time split into even and odd columns by two
 *       shuffles and a blend, the larger of each pair kept, with its index, in scratch buffers of
 *       one value per pair;
 *   <li>rows: each output row merges its window's rows of pairs top to bottom, LANES outputs at a
 *       time.
 * </ol>
 * Taking the later value where it is larger, and again where it is a NaN, is the interpreter's
 * (and PyTorch's) rule applied in row-major window order, so the maximum and its index are
 * exactly the interpreter's, ties and NaNs included. Indices ride along as float values (exact
 * below 2^24, which {@link #applies} requires) so that the same masks blend them; a plain loop,
 * which C2 vectorizes, converts them to the layer's int argmax at the end.
 *
 * <p>Robustness to C2 shaped every choice here, because a vector kernel that boxes is slower than
 * the scalar loops, and can make other classes' kernels box too:
 * <ul>
 *   <li>the kernels use the class's {@code SPECIES} and nothing else: a second float species
 *       anywhere in the JVM (tried first: 256-bit vectors for rows of 8 outputs) made C2 box the
 *       convolutions' vectors (76 KB per {@code predict} of the Fashion CNN);
 *   <li>only operations the other kernels use already, plus {@code rearrange}: no mask
 *       {@code or}, no {@code max}, no int vectors (a NaN takes a second blend). Each new
 *       operation adds classes to the profiles of the Vector API's shared fallback code, which
 *       feeds C2's trap budget ({@link VectorTiles}' accumulators say more). In
 *       {@code MixedJvmAllocation} (LeNet-5 and the Small CNN trained and predicted, then the
 *       MLP, one JVM), before the tiles lost their binary operations, the MLP's batch-32 step
 *       boxed in 2 of 2 runs with int index vectors and a mask {@code or}, in 2 of 10 with this
 *       form, and in 3 of 10 without these kernels;
 *   <li>each vector block is a small method of its own, as the convolution tiles are: with the
 *       blocks inline, LeNet-5's {@code predict} boxed its pools' vectors (215 KB per image) once
 *       its training had run.
 * </ul>
 * Because a row of outputs is often shorter than a vector (14 outputs, 16 lanes), the row pass
 * stores whole vectors: the lanes past a row's end land on the next row's outputs, which are
 * written after them. Rows whose whole vectors would run past the end of an array are merged by a
 * scalar loop.
 *
 * <p>Why: the scalar loop's {@code Math.max} chains (with a branch-free index) took 17.8 µs for
 * the Fashion CNN's first pool (16x28x28, with the argmax) on an Intel Xeon host, this kernel
 * 5.6 µs (values only: 11.8 and 3.1 µs). Comparing each value with its right neighbour through
 * a second load at offset 1 instead of shuffles, then packing the even columns in a scalar loop,
 * took 11.3 µs.
 */
final class VectorPools {
  private static final ClassName FLOAT_VECTOR = ClassName.get(VECTOR_PACKAGE, "FloatVector");
  private static final ClassName OPERATORS = ClassName.get(VECTOR_PACKAGE, "VectorOperators");
  private static final TypeName FLOAT_MASK = ParameterizedTypeName.get(
      ClassName.get(VECTOR_PACKAGE, "VectorMask"), ClassName.get(Float.class));

  /** Indices up to this are exact as floats. */
  private static final int EXACT_INDICES = 1 << 24;

  private VectorPools() {}

  /** True if {@code pool} has a vector kernel: see the class comment for which pools do. */
  static boolean applies(MaxPool2d pool, Precision precision) {
    Window w = pool.window();
    return precision == Precision.FLOAT && w.kernelWidth() == 2 && w.strideWidth() == 2
        && pool.inputShape().width() % 2 == 0
        && w.kernelHeight() <= PoolLoops.UNROLLED_AREA / 2
        && pool.inSize() <= EXACT_INDICES;
  }

  /** The class constants the kernels share, if {@code network} has a pool they apply to. */
  static List<FieldSpec> constants(Network network) {
    boolean used = false;
    for (Layer l : network.layers()) {
      used |= l instanceof MaxPool2d pool && applies(pool, network.precision());
    }
    if (!used) {
      return List.of();
    }
    TypeName shuffle = ParameterizedTypeName.get(
        ClassName.get(VECTOR_PACKAGE, "VectorShuffle"), ClassName.get(Float.class));
    return List.of(
        constant(shuffle, "EVENS", CodeBlock.of("SPECIES.iotaShuffle(0, 2, true)"),
            "Lanes 0, 2, 4, … twice over: a vector's even lanes into each half (max pools).\n"),
        constant(shuffle, "ODDS", CodeBlock.of("SPECIES.iotaShuffle(1, 2, true)"),
            "Lanes 1, 3, 5, … twice over: a vector's odd lanes into each half (max pools).\n"),
        constant(FLOAT_MASK, "UPPER_HALF",
            CodeBlock.of("SPECIES.indexInRange(-LANES / 2, LANES / 2)"),
            "The upper half of the lanes (max pools).\n"),
        constant(FLOAT_VECTOR, "EVEN_INDEX",
            CodeBlock.of("$T.zero(SPECIES).addIndex(2)", FLOAT_VECTOR),
            "0, 2, 4, …: each lane's even input, relative to the first (max pools).\n"));
  }

  private static FieldSpec constant(TypeName type, String name, CodeBlock init, String doc) {
    return FieldSpec.builder(type, name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc(doc)
        .initializer(init)
        .build();
  }

  /**
   * The kernel of {@code pool} (one the kernel {@link #applies} to): its scratch fields, the
   * loops, and the helper methods they call, added to {@code ctx}'s helpers; the indexed form
   * only if {@code trainable}.
   */
  static Backend.PoolKernel kernel(MaxPool2d pool, EmitContext ctx, boolean trainable) {
    PoolLoops compact = new PoolLoops(pool.inputShape(), pool.outputShape(), pool.window());
    // The values-only form reads what predict hands it, possibly rows and channels further apart
    // than the input's (both by an even number of values: the pairs stay aligned).
    PoolLoops handed = PoolLoops.inPredict(pool, ctx);
    int count = pairCount(compact);
    int valuesCount = pairCount(handed);
    String pairs = ctx.names().helper(pool.name() + "Pairs");
    List<FieldSpec> fields = new ArrayList<>();
    fields.add(ctx.buffer(pairs, Math.max(count, valuesCount)));
    CodeBlock indexed = null;
    if (trainable) {
      Scratch indices = new Scratch(ctx.names().helper(pool.name() + "PairIndex"),
          ctx.names().helper(pool.name() + "OutIndex"));
      fields.add(ctx.buffer(indices.pairs(), count));
      fields.add(ctx.buffer(indices.outputs(), pool.outSize()));
      indexed = loops(pool, compact, ctx, pairs, indices);
    }
    // The guard of the smaller form (valuesCount >= count) serves both.
    return new Backend.PoolKernel(fields, "LANES <= " + count, indexed,
        loops(pool, handed, ctx, pairs, null));
  }

  /** Column pairs of the input laid out as {@code layout} says, junk included. */
  private static int pairCount(PoolLoops layout) {
    if (layout.plane() % 2 != 0 || layout.in().width() % 2 != 0) {
      throw new IllegalArgumentException("odd rows or planes: " + layout);
    }
    return layout.in().channels() * (layout.plane() / 2);
  }

  /** The float index buffers: of each pair's larger value, of each output's maximum. */
  private record Scratch(String pairs, String outputs) {}

  /**
   * Both passes over the locals {@code x}, laid out as {@code layout} says, and {@code a} (and
   * {@code arg} if indexed): loops that
   * call a helper method per vector block. The blocks are methods of their own, as the
   * convolution tiles are, so that each C2 compilation inlines few Vector API calls: with the
   * blocks inline, LeNet-5's {@code predict} boxed its pools' vectors (215 KB per image) once
   * its training had run (C2's trap budget, see docs/performance.md).
   */
  private static CodeBlock loops(MaxPool2d pool, PoolLoops layout, EmitContext ctx, String pairs,
      Scratch indices) {
    int pairWidth = layout.in().width() / 2;
    int count = pairCount(layout);
    boolean remember = indices != null;
    String suffix = remember ? "" : "Values";
    String pairBlock = ctx.names().helper(pool.name() + "PairBlock" + suffix);
    String rowBlocks = ctx.names().helper(pool.name() + "RowBlocks" + suffix);
    ctx.helpers().add(pairBlock(pool, pairBlock, remember));
    ctx.helpers().add(rowBlocks(pool, pairWidth, rowBlocks, remember));
    String indexArg = remember ? ", hi" : "";
    Shape.Image out = pool.outputShape();
    Window w = pool.window();
    int outSize = pool.outSize();
    CodeBlock.Builder c = CodeBlock.builder();
    c.addStatement("float[] h = $N", pairs);
    if (remember) {
      c.addStatement("float[] hi = $N", indices.pairs());
      c.addStatement("float[] at = $N", indices.outputs());
    }
    c.add("// Pairs: the last block ends at the last pair, recomputing a few.\n");
    c.beginControlFlow("for (int k = 0; k < $L; k += LANES)", count);
    c.addStatement("$N(x, h$L, Math.min(k, $L - LANES))", pairBlock, indexArg, count);
    c.endControlFlow();
    c.add("// Rows: whole vectors, the lanes past a row's end written again by the next row.\n");
    c.addStatement("int span = ($L + LANES - 1) / LANES * LANES", out.width());
    c.beginControlFlow("for (int ch = 0; ch < $L; ch++)", out.channels());
    c.beginControlFlow("for (int oy = 0; oy < $L; oy++)", out.height());
    c.addStatement("int top = ch * $L + oy * $L", layout.plane() / 2,
        w.strideHeight() * pairWidth);
    c.addStatement("int q = (ch * $L + oy) * $L", out.height(), out.width());
    int lastRow = (w.kernelHeight() - 1) * pairWidth;
    c.beginControlFlow("if (q + span <= $L && top + $L + span <= $L)", outSize, lastRow, count);
    c.addStatement("$N(h$L, a$L, top, q)", rowBlocks, indexArg, remember ? ", at" : "");
    c.nextControlFlow("else");
    c.add("// The last rows: one output at a time.\n");
    c.beginControlFlow("for (int t = 0; t < $L; t++)", out.width());
    c.addStatement("float max = h[top + t]");
    if (remember) {
      c.addStatement("float best = hi[top + t]");
    }
    for (int i = 1; i < w.kernelHeight(); i++) {
      int off = i * pairWidth;
      c.addStatement("float v$L = h[top + $L + t]", i, off);
      c.beginControlFlow("if (v$L > max || v$L != v$L)", i, i, i);
      c.addStatement("max = v$L", i);
      if (remember) {
        c.addStatement("best = hi[top + $L + t]", off);
      }
      c.endControlFlow();
    }
    c.addStatement("a[q + t] = max");
    if (remember) {
      c.addStatement("at[q + t] = best");
    }
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
    if (remember) {
      c.add("// A plain loop, which C2 vectorizes.\n");
      c.beginControlFlow("for (int i = 0; i < $L; i++)", outSize);
      c.addStatement("arg[i] = (int) at[i]");
      c.endControlFlow();
    }
    return c.build();
  }

  /**
   * The helper that fills {@code h[k, k + LANES)} (and {@code hi}) with the larger value of each
   * column pair of {@code x[2k, 2k + 2·LANES)}: the first if equal, the second if a NaN.
   */
  private static MethodSpec pairBlock(MaxPool2d pool, String name, boolean remember) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(name)
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addJavadoc("Layer $L: the larger value of each column pair of x from 2k into h from k, "
            + "for one vector.\n", Javadoc.escape(pool.name()))
        .addParameter(float[].class, "x")
        .addParameter(float[].class, "h");
    if (remember) {
      m.addParameter(float[].class, "hi");
    }
    m.addParameter(int.class, "k");
    m.addStatement("$T left = $T.fromArray(SPECIES, x, 2 * k)", FLOAT_VECTOR, FLOAT_VECTOR);
    m.addStatement("$T right = $T.fromArray(SPECIES, x, 2 * k + LANES)", FLOAT_VECTOR,
        FLOAT_VECTOR);
    m.addStatement("$T even = left.rearrange(EVENS).blend(right.rearrange(EVENS), UPPER_HALF)",
        FLOAT_VECTOR);
    m.addStatement("$T odd = left.rearrange(ODDS).blend(right.rearrange(ODDS), UPPER_HALF)",
        FLOAT_VECTOR);
    m.addStatement("$T later = odd.compare($T.GT, even)", FLOAT_MASK, OPERATORS);
    m.addStatement("$T nan = odd.compare($T.NE, odd)", FLOAT_MASK, OPERATORS);
    m.addStatement("even.blend(odd, later).blend(odd, nan).intoArray(h, k)");
    if (remember) {
      m.addStatement("$T first = EVEN_INDEX.add(2 * k)", FLOAT_VECTOR);
      m.addStatement("$T second = first.add(1)", FLOAT_VECTOR);
      m.addStatement("first.blend(second, later).blend(second, nan).intoArray(hi, k)");
    }
    return m.build();
  }

  /**
   * The helper that merges one output row's window rows of pairs (from {@code top}, {@code
   * pairWidth} pairs per row) into {@code a} (and {@code arg}) from {@code q}, whole vectors at a
   * time.
   */
  private static MethodSpec rowBlocks(MaxPool2d pool, int pairWidth, String name,
      boolean remember) {
    Window w = pool.window();
    MethodSpec.Builder m = MethodSpec.methodBuilder(name)
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addJavadoc("Layer $L: one output row from its window's rows of pairs, top to bottom.\n",
            Javadoc.escape(pool.name()))
        .addParameter(float[].class, "h");
    if (remember) {
      m.addParameter(float[].class, "hi");
    }
    m.addParameter(float[].class, "a");
    if (remember) {
      m.addParameter(float[].class, "at");
    }
    m.addParameter(int.class, "top").addParameter(int.class, "q");
    m.beginControlFlow("for (int t = 0; t < $L; t += LANES)", pool.outputShape().width());
    m.addStatement("$T max = $T.fromArray(SPECIES, h, top + t)", FLOAT_VECTOR, FLOAT_VECTOR);
    if (remember) {
      m.addStatement("$T best = $T.fromArray(SPECIES, hi, top + t)", FLOAT_VECTOR, FLOAT_VECTOR);
    }
    for (int i = 1; i < w.kernelHeight(); i++) {
      int off = i * pairWidth;
      m.addStatement("$T row$L = $T.fromArray(SPECIES, h, top + $L + t)", FLOAT_VECTOR, i,
          FLOAT_VECTOR, off);
      m.addStatement("$T lower$L = row$L.compare($T.GT, max)", FLOAT_MASK, i, i, OPERATORS);
      m.addStatement("$T nan$L = row$L.compare($T.NE, row$L)", FLOAT_MASK, i, i, OPERATORS, i);
      m.addStatement("max = max.blend(row$L, lower$L).blend(row$L, nan$L)", i, i, i, i);
      if (remember) {
        m.addStatement("$T rowBest$L = $T.fromArray(SPECIES, hi, top + $L + t)", FLOAT_VECTOR, i,
            FLOAT_VECTOR, off);
        m.addStatement("best = best.blend(rowBest$L, lower$L).blend(rowBest$L, nan$L)", i, i, i,
            i);
      }
    }
    m.addStatement("max.intoArray(a, q + t)");
    if (remember) {
      m.addStatement("best.intoArray(at, q + t)");
    }
    m.endControlFlow();
    return m.build();
  }
}
