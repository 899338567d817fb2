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
 * stride). One pass over the output rows: each output row reads its window's input rows, LANES
 * outputs (2·LANES inputs) at a time, splits each input row into its even and odd columns by two
 * shuffles and a blend (one shuffle each where a row has at most LANES / 2 outputs: then one
 * vector holds its inputs), keeps the larger of each column pair, then merges the rows top to
 * bottom, all in registers.
 *
 * <p>Taking the later value where it is larger, and again where it is a NaN, in both steps is
 * the interpreter's (and PyTorch's) rule applied in row-major window order, so the maximum and
 * its index are exactly the interpreter's, ties and NaNs included. Indices ride along as float
 * values (exact below 2^24, which {@link #applies} requires) so that the same masks blend them; a
 * plain loop converts them to the layer's int argmax at the end. C2 vectorizes that loop from
 * JDK 18 on; JDK 17 converts one value at a time (3,136 values: 1.0–1.5 µs on the Intel Xeon
 * host, 0.16 on JDK 25; through int vectors, {@code reinterpretAsInts} of the index plus 2^23,
 * 0.15 on JDK 17, but int vectors are what the next list rules out).
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
 *   <li>the vector code is a method of its own, as the convolution tiles are: with the blocks
 *       inline, LeNet-5's {@code predict} boxed its pools' vectors (215 KB per image) once its
 *       training had run.
 * </ul>
 * Because a row of outputs is often shorter than a vector (14 outputs, 16 lanes), whole vectors
 * are stored: the lanes past a row's end land on the next row's outputs, which are written after
 * them. Rows whose whole vectors would run past the end of an array are merged by a scalar loop.
 *
 * <p>Why: the scalar loop's {@code Math.max} chains (with a branch-free index) took 17.8 µs for
 * the Fashion CNN's first pool (16x28x28, with the argmax) on an Intel Xeon host; two vector
 * passes, column pairs into a scratch buffer and then rows, 5.6 µs (values only: 11.8 and
 * 3.1 µs); comparing each value with its right neighbour through a second load at offset 1
 * instead of shuffles, then packing the even columns in a scalar loop, 11.3 µs. One pass in
 * registers took predict's two pools from 3.7 to 2.65 µs and from 2.4 to 2.0 µs (the second's
 * rows of 7 outputs in one vector each).
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
    List<FieldSpec> fields = new ArrayList<>();
    CodeBlock indexed = null;
    if (trainable) {
      String outIndex = ctx.names().helper(pool.name() + "OutIndex");
      fields.add(ctx.buffer(outIndex, pool.outSize()));
      PoolLoops compact = new PoolLoops(pool.inputShape(), pool.outputShape(), pool.window());
      String method = ctx.names().helper(pool.name() + "Rows");
      ctx.helpers().add(rowMethod(pool, compact.in().width(), method, true));
      indexed = rows(pool, compact, method, outIndex, null, null);
    }
    // The values-only form reads what predict hands it, possibly rows and channels further apart
    // than the input's: each row's pairs start at the row's first value.
    PoolLoops handed = PoolLoops.inPredict(pool, ctx);
    String values = ctx.names().helper(pool.name() + "RowValues");
    ctx.helpers().add(rowMethod(pool, handed.in().width(), values, false));
    return new Backend.PoolKernel(fields, "LANES <= " + pool.inSize(), indexed,
        rows(pool, handed, values, null, null, null),
        (first, end) -> rows(pool, handed, values, null, first, end));
  }

  /**
   * The loops over the local {@code x}, laid out as {@code layout} says, into {@code a}, and
   * into {@code arg} through the float scratch buffer {@code outIndex} unless it is null (the
   * values-only form): per channel, one call of the row method for the rows whose vectors stay
   * inside both arrays, then a scalar loop for the rest (the last few rows of the last
   * channels); {@code method} is the row method ({@link #rowMethod}). With {@code first} and
   * {@code end} (expressions; null: all channels), over those channels only, and a row whose
   * vectors would write past the last of their outputs (into another part's) goes to the scalar
   * loop too. Its vectors may still read past its channels' input: lanes whose values no
   * output takes.
   */
  private static CodeBlock rows(MaxPool2d pool, PoolLoops layout, String method,
      String outIndex, String first, String end) {
    boolean indexed = outIndex != null;
    Shape.Image out = pool.outputShape();
    Window w = pool.window();
    int width = layout.in().width();
    int inLength = layout.in().channels() * layout.plane();
    int lastRow = (w.kernelHeight() - 1) * width;
    int rowStep = w.strideHeight() * width;
    String at = indexed ? ", at" : "";
    CodeBlock.Builder c = CodeBlock.builder();
    if (indexed) {
      c.addStatement("float[] at = $N", outIndex);
    }
    c.addStatement("int span = ($L + LANES - 1) / LANES * LANES", out.width());
    int outPlane = out.height() * out.width();
    if (first == null) {
      c.beginControlFlow("for (int ch = 0; ch < $L; ch++)", out.channels());
      c.add("// The rows whose vectors stay inside both arrays: all but the last few.\n");
    } else {
      c.beginControlFlow("for (int ch = $L; ch < $L; ch++)", first, end);
      c.add("// The rows whose vectors stay inside both arrays and write no other part's\n");
      c.add("// outputs: all but the last few.\n");
    }
    c.addStatement("int rows = $L", out.height());
    c.beginControlFlow("while (rows > 0 && ((ch * $L + rows) * $L - $L + span > $L"
        + " || ch * $L + (rows - 1) * $L + $L + 2 * span > $L))", out.height(), out.width(),
        out.width(), first == null ? String.valueOf(pool.outSize()) : end + " * " + outPlane,
        layout.plane(), rowStep, lastRow, inLength);
    c.addStatement("rows--");
    c.endControlFlow();
    c.addStatement("$N(x, a$L, ch * $L, ch * $L, rows)", method, at, layout.plane(),
        out.height() * out.width());
    c.beginControlFlow("for (int oy = rows; oy < $L; oy++)", out.height());
    c.addStatement("int top = ch * $L + oy * $L", layout.plane(), rowStep);
    c.addStatement("int q = (ch * $L + oy) * $L", out.height(), out.width());
    c.add("// The last rows: one output at a time, the window in row-major order.\n");
    c.beginControlFlow("for (int t = 0; t < $L; t++)", out.width());
    c.addStatement("float max = x[top + 2 * t]");
    if (indexed) {
      c.addStatement("int best = top + 2 * t");
    }
    for (int i = 0; i < w.kernelHeight(); i++) {
      for (int j = i == 0 ? 1 : 0; j < 2; j++) {
        int off = i * width + j;
        String v = "v" + (2 * i + j);
        c.addStatement("float $L = x[top + $L + 2 * t]", v, off);
        c.beginControlFlow("if ($L > max || $L != $L)", v, v, v);
        c.addStatement("max = $L", v);
        if (indexed) {
          c.addStatement("best = top + $L + 2 * t", off);
        }
        c.endControlFlow();
      }
    }
    c.addStatement("a[q + t] = max");
    if (indexed) {
      c.addStatement("at[q + t] = best");
    }
    c.endControlFlow();
    c.endControlFlow();
    c.endControlFlow();
    if (indexed) {
      c.add("// A plain loop (C2 vectorizes it from JDK 18 on).\n");
      c.beginControlFlow("for (int i = 0; i < $L; i++)", pool.outSize());
      c.addStatement("arg[i] = (int) at[i]");
      c.endControlFlow();
    }
    return c.build();
  }

  /**
   * The row method of {@link #rows}: {@code rows} output rows of one channel into {@code a} (and
   * their input indices into {@code at}, if {@code indexed}) from {@code q}, the first window's
   * top input row starting at {@code top} of {@code x}. For each input row of a window, the
   * larger value of each column pair; then the rows merged top to bottom. Both steps take the
   * later value where it is larger or a NaN: the window in row-major order, the interpreter's
   * rule.
   */
  private static MethodSpec rowMethod(MaxPool2d pool, int width, String name, boolean indexed) {
    Window w = pool.window();
    MethodSpec.Builder m = MethodSpec.methodBuilder(name)
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addJavadoc("Layer $L: output rows of one channel$L from their windows' input rows, "
            + "column pairs first, then the rows top to bottom.\n", Javadoc.escape(pool.name()),
            indexed ? ", with each maximum's input index" : " (values only)")
        .addParameter(float[].class, "x")
        .addParameter(float[].class, "a");
    if (indexed) {
      m.addParameter(float[].class, "at");
    }
    m.addParameter(int.class, "top")
        .addParameter(int.class, "q")
        .addParameter(int.class, "rows");
    int outWidth = pool.outputShape().width();
    m.beginControlFlow("for (int r = 0; r < rows; r++, top += $L, q += $L)",
        w.strideHeight() * width, outWidth);
    m.addComment("A row of at most LANES / 2 outputs takes one vector of inputs per input row.");
    m.beginControlFlow("if ($L <= LANES / 2)", outWidth);
    for (int i = 0; i < w.kernelHeight(); i++) {
      String from = i == 0 ? "top" : "top + " + i * width;
      m.addStatement("$T in$L = $T.fromArray(SPECIES, x, $L)", FLOAT_VECTOR, i, FLOAT_VECTOR,
          from);
      m.addStatement("$T even$L = in$L.rearrange(EVENS)", FLOAT_VECTOR, i, i);
      m.addStatement("$T odd$L = in$L.rearrange(ODDS)", FLOAT_VECTOR, i, i);
      mergePairs(m, i, indexed ? from : null);
    }
    store(m, "q", indexed);
    m.nextControlFlow("else");
    m.beginControlFlow("for (int t = 0; t < $L; t += LANES)", outWidth);
    for (int i = 0; i < w.kernelHeight(); i++) {
      String from = i == 0 ? "top + 2 * t" : "top + " + i * width + " + 2 * t";
      m.addStatement("$T left$L = $T.fromArray(SPECIES, x, $L)", FLOAT_VECTOR, i, FLOAT_VECTOR,
          from);
      m.addStatement("$T right$L = $T.fromArray(SPECIES, x, $L + LANES)", FLOAT_VECTOR, i,
          FLOAT_VECTOR, from);
      m.addStatement(
          "$T even$L = left$L.rearrange(EVENS).blend(right$L.rearrange(EVENS), UPPER_HALF)",
          FLOAT_VECTOR, i, i, i);
      m.addStatement(
          "$T odd$L = left$L.rearrange(ODDS).blend(right$L.rearrange(ODDS), UPPER_HALF)",
          FLOAT_VECTOR, i, i, i);
      mergePairs(m, i, indexed ? from : null);
    }
    store(m, "q + t", indexed);
    m.endControlFlow();
    m.endControlFlow();
    m.endControlFlow();
    return m.build();
  }

  /**
   * The statements that take the larger of input row i's {@code even$i} and {@code odd$i} (the
   * later where it is larger or a NaN) and merge it into {@code max} the same way: the first
   * input row starts it. With {@code from}, the expression of the row's first input index, the
   * index of each maximum rides along in {@code best}: lane l's even input is {@code from + 2l}.
   */
  private static void mergePairs(MethodSpec.Builder m, int i, String from) {
    boolean indexed = from != null;
    String row = i == 0 ? "max" : "row" + i;
    m.addStatement("$T later$L = odd$L.compare($T.GT, even$L)", FLOAT_MASK, i, i, OPERATORS, i);
    m.addStatement("$T nan$L = odd$L.compare($T.NE, odd$L)", FLOAT_MASK, i, i, OPERATORS, i);
    m.addStatement("$T $L = even$L.blend(odd$L, later$L).blend(odd$L, nan$L)", FLOAT_VECTOR, row,
        i, i, i, i, i);
    String rowBest = i == 0 ? "best" : "rowBest" + i;
    if (indexed) {
      m.addStatement("$T first$L = EVEN_INDEX.add($L)", FLOAT_VECTOR, i, from);
      m.addStatement("$T second$L = first$L.add(1)", FLOAT_VECTOR, i, i);
      m.addStatement("$T $L = first$L.blend(second$L, later$L).blend(second$L, nan$L)",
          FLOAT_VECTOR, rowBest, i, i, i, i, i);
    }
    if (i > 0) {
      m.addStatement("$T lower$L = $L.compare($T.GT, max)", FLOAT_MASK, i, row, OPERATORS);
      m.addStatement("$T rowNan$L = $L.compare($T.NE, $L)", FLOAT_MASK, i, row, OPERATORS, row);
      m.addStatement("max = max.blend($L, lower$L).blend($L, rowNan$L)", row, i, row, i);
      if (indexed) {
        m.addStatement("best = best.blend($L, lower$L).blend($L, rowNan$L)", rowBest, i, rowBest,
            i);
      }
    }
  }

  /** Stores {@code max} (and {@code best}, if {@code indexed}) at output {@code q}. */
  private static void store(MethodSpec.Builder m, String q, boolean indexed) {
    m.addStatement("max.intoArray(a, $L)", q);
    if (indexed) {
      m.addStatement("best.intoArray(at, $L)", q);
    }
  }
}
