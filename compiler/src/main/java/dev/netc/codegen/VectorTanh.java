package dev.netc.codegen;

import static dev.netc.codegen.VectorLoops.VECTOR_PACKAGE;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * tanh over a range of floats in double vectors, for the float classes of the vector backend:
 * {@code a[aOff + i] = NetcMath.tanh(z[zOff + i])} for {@code i < count}, bit for bit.
 *
 * <p>Why: {@code NetcMath.tanh} costs about 7 ns per value on the Intel Xeon host (a polynomial
 * and a division in double, one value at a time). A 784-256-128-10 MLP with tanh hidden layers
 * trained at batch 32 at 39.7k samples/s and predicted 57.9k images/s with it, against 59.7k and
 * 77.7k with this ({@code BackendTiming cnn 3 1} on that network; the same network with relu
 * trains at about 71k).
 *
 * <p>It is {@code NetcMath.tanh}'s algorithm with each double operation the same IEEE operation
 * (multiplications and additions, never fused), so the results are the scalar backend's and the
 * interpreter's float ones exactly, NaNs aside (a NaN stays a NaN). The two steps that are integer
 * operations in the scalar code are done on doubles, with no vector conversion (AVX2 has no
 * packed double-to-long conversion, and the Vector API would fall back to Java for it):
 * <ul>
 *   <li>{@code k = (int) t} for 0.5 ≤ t &lt; 27: round t to the nearest integer by adding and
 *       subtracting 1.5·2<sup>52</sup>, then subtract 1 where that went above t;
 *   <li>2<sup>k</sup>: {@code k + 1023 + 2^52} has {@code k + 1023} in its low mantissa bits,
 *       which a left shift by 52 of its bits as a long moves into the exponent field.
 * </ul>
 * The floats go to and from the doubles through a scratch array by scalar conversions: a
 * float-to-double vector conversion changes the lane count, which takes a second float species,
 * and a second float species in the JVM makes C2 box other kernels' vectors ({@link
 * VectorPools}). The lanes past the last whole vector take {@code NetcMath.tanh}.
 *
 * <p>The double and long vectors are the one place a float class uses vectors of another
 * element type, and that has a cost in a JVM shared with other vector classes: when this
 * method first runs after their float kernels have warmed up, the Vector API methods that C2
 * compiled on their own for those kernels ({@code VectorSupport.load}, {@code store}, {@code
 * VectorOperators.ImplCache.find}) meet the new vector classes and take class-check traps,
 * and every later compilation that inlines them passes {@code -XX:PerMethodTrapLimit} and
 * boxes vectors (the benchmarks' {@code MixedJvmAllocation --tanh}: 0.15–0.9 MB per training
 * step of a tanh MLP after LeNet-5 and the Small CNN; clean when the tanh class runs first, or
 * with {@code -XX:PerMethodTrapLimit=100000}). A kernel without masks was no better (the
 * traps come with the element types, not the masks); a tanh computed in float vectors would
 * need a float algorithm for {@code NetcMath.tanh} too (docs/performance.md, thirty-fifth
 * session).
 */
final class VectorTanh {
  /** The generated method's name. */
  static final String METHOD = "tanhRange";
  /**
   * Ranges shorter than this are written as scalar calls. The first vector load from the
   * scratch waits until the scalar stores before it retire, which stalls the pipeline once per
   * call; over 16 values (the 4-16-3 network) that made {@code predict} 23 % faster but the
   * one-example training step 18 % slower (JMH {@code tinyTrainB1}, 2.89M → 2.38M steps/s), as
   * the stall also waits for the previous step's update. From one block of 64 values on it is
   * kept: measured on layers of 128 and 256 values (class comment), where it pays.
   */
  static final int MIN_COUNT = 64;

  private static final ClassName DOUBLE_VECTOR = ClassName.get(VECTOR_PACKAGE, "DoubleVector");
  private static final ClassName OPERATORS = ClassName.get(VECTOR_PACKAGE, "VectorOperators");
  private static final ClassName NETC_MATH = ClassName.get("dev.netc.runtime", "NetcMath");
  private static final String SCRATCH = "tanhDoubles";
  /** Values per block: 8 vectors of 512 bits. */
  private static final int BLOCK = 64;

  private VectorTanh() {}

  /**
   * The call that sets {@code a[aOff + i] = tanh(z[zOff + i])} for {@code i < count} (an
   * expression of at most {@code maxCount}), adding the method to the class on the first call;
   * empty unless {@code act} is tanh in a float vector class and {@code maxCount} reaches
   * {@link #MIN_COUNT}. a and z may be the same range.
   */
  static Optional<CodeBlock> range(EmitContext ctx, Activation act, String z, String zOff,
      String a, String aOff, String count, int maxCount) {
    if (!(act instanceof Activation.Tanh) || ctx.precision() != Precision.FLOAT
        || ctx.policy().backend() != CodegenPolicy.Backend.VECTOR || maxCount < MIN_COUNT) {
      return Optional.empty();
    }
    if (!ctx.helpers().has(METHOD)) {
      ctx.helpers().add(method());
    }
    return Optional.of(CodeBlock.of("$L($L, $L, $L, $L, $L);\n", METHOD, z, zOff, a, aOff,
        count));
  }

  /**
   * The constants and the scratch of the method, for a class that has it ({@link #range} added
   * it): the double species of the class's vector shape, its lane count, the rounding constants.
   */
  static List<FieldSpec> fields(EmitContext ctx) {
    if (!ctx.helpers().has(METHOD)) {
      return List.of();
    }
    List<FieldSpec> f = new ArrayList<>(constants());
    f.add(doubleConstant("TANH_ROUNDING", "0x1.8p52", "Adding and subtracting it rounds a "
        + "double below 2^51 to an integer."));
    f.add(doubleConstant("TANH_ROUNDING_BITS", "0x1p52", "A double in [2^52, 2^53) holds its "
        + "integer part in its mantissa bits."));
    f.add(scratch());
    return f;
  }

  /** The double species of the class's vector shape and its lane count. */
  private static List<FieldSpec> constants() {
    TypeName species = ParameterizedTypeName.get(
        ClassName.get(VECTOR_PACKAGE, "VectorSpecies"), ClassName.get(Double.class));
    return List.of(
        FieldSpec.builder(species, "DOUBLE_SPECIES", Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("Doubles in vectors of {@link #SPECIES}'s size, for tanh.\n")
            .initializer("$T.of(double.class, SPECIES.vectorShape())",
                ClassName.get(VECTOR_PACKAGE, "VectorSpecies"))
            .build(),
        FieldSpec.builder(TypeName.INT, "DOUBLE_LANES", Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .initializer("DOUBLE_SPECIES.length()")
            .build());
  }

  /** The per-instance scratch of one block (instances train on threads of their own). */
  private static FieldSpec scratch() {
    return FieldSpec.builder(double[].class, SCRATCH, Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("One block of doubles: tanh's inputs, then its results.\n")
        .initializer("new double[$L]", BLOCK)
        .build();
  }

  /** The method {@link #range} calls. */
  private static MethodSpec method() {
    CodeBlock.Builder c = CodeBlock.builder();
    c.addStatement("double[] t = $N", SCRATCH);
    c.add("// In blocks: all of a block's floats to doubles, then its vectors, then back. Going\n"
        + "// through the scratch vector by vector would chain the vectors one after another\n"
        + "// (a vector load waits for the scalar stores before it to retire).\n");
    c.beginControlFlow("for (int from = 0; from < count; from += $L)", BLOCK);
    c.addStatement("int n = Math.min($L, count - from) & -DOUBLE_LANES", BLOCK);
    c.beginControlFlow("for (int l = 0; l < n; l++)");
    c.addStatement("t[l] = z[zOff + from + l]");
    c.endControlFlow();
    c.beginControlFlow("for (int l = 0; l < n; l += DOUBLE_LANES)");
    c.addStatement("$T x = $T.fromArray(DOUBLE_SPECIES, t, l)", DOUBLE_VECTOR, DOUBLE_VECTOR);
    c.addStatement("$T ax = x.abs()", DOUBLE_VECTOR);
    c.add("// NetcMath.expOfNonNegative(2|x|), k = (int) (y log2(e) + 0.5) as a floor in doubles.\n");
    c.addStatement("$T y = ax.add(ax)", DOUBLE_VECTOR);
    c.addStatement("$T t5 = y.mul($T.LOG2_E).add(0.5)", DOUBLE_VECTOR, NETC_MATH);
    c.addStatement("$T k = t5.add(TANH_ROUNDING).sub(TANH_ROUNDING)", DOUBLE_VECTOR);
    c.addStatement("k = k.blend(k.sub(1.0), k.compare($T.GT, t5))", OPERATORS);
    c.addStatement("$T r = y.sub(k.mul($T.LN_2))", DOUBLE_VECTOR, NETC_MATH);
    c.addStatement("$T p = $T.broadcast(DOUBLE_SPECIES, 1.0 / 40320)", DOUBLE_VECTOR,
        DOUBLE_VECTOR);
    for (String coefficient : List.of("1.0 / 5040", "1.0 / 720", "1.0 / 120", "1.0 / 24",
        "1.0 / 6", "0.5", "1.0", "1.0")) {
      c.addStatement("p = p.mul(r).add($L)", coefficient);
    }
    c.addStatement("$T scale = k.add(1023 + TANH_ROUNDING_BITS).reinterpretAsLongs()"
        + ".lanewise($T.LSHL, 52).reinterpretAsDoubles()", DOUBLE_VECTOR, OPERATORS);
    c.addStatement("$T e = p.mul(scale)", DOUBLE_VECTOR);
    c.addStatement("$T m = $T.broadcast(DOUBLE_SPECIES, 1.0).sub($T.broadcast(DOUBLE_SPECIES, "
        + "2.0).div(e.add(1.0)))", DOUBLE_VECTOR, DOUBLE_VECTOR, DOUBLE_VECTOR);
    c.addStatement("$T ones = $T.broadcast(DOUBLE_SPECIES, 1.0)", DOUBLE_VECTOR, DOUBLE_VECTOR);
    c.addStatement("$T negative = x.compare($T.LT, 0.0)",
        ParameterizedTypeName.get(ClassName.get(VECTOR_PACKAGE, "VectorMask"),
            ClassName.get(Double.class)), OPERATORS);
    c.add("// copySign: m > 0 here. Then |x| < 2^-12 keeps x, |x| >= 9.1 gives ±1, NaN stays NaN.\n");
    c.addStatement("m = m.blend(m.neg(), negative)");
    c.addStatement("m = m.blend(x, ax.compare($T.LT, $T.TANH_LINEAR))", OPERATORS, NETC_MATH);
    c.addStatement("m = m.blend(ones.blend(ones.neg(), negative), ax.compare($T.GE, "
        + "$T.TANH_SATURATION))", OPERATORS, NETC_MATH);
    c.addStatement("m.intoArray(t, l)");
    c.endControlFlow();
    c.beginControlFlow("for (int l = 0; l < n; l++)");
    c.addStatement("a[aOff + from + l] = (float) t[l]");
    c.endControlFlow();
    c.endControlFlow();
    c.addStatement("int i = count & -DOUBLE_LANES");
    c.beginControlFlow("for (; i < count; i++)");
    c.addStatement("a[aOff + i] = $T.tanh(z[zOff + i])", NETC_MATH);
    c.endControlFlow();
    return MethodSpec.methodBuilder(METHOD)
        .addJavadoc("{@code a[aOff + i] = NetcMath.tanh(z[zOff + i])} for {@code i < count}, "
            + "bit for bit, {@link #DOUBLE_LANES}\nvalues at a time (a and z may be the same "
            + "range).\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(float[].class, "z")
        .addParameter(TypeName.INT, "zOff")
        .addParameter(float[].class, "a")
        .addParameter(TypeName.INT, "aOff")
        .addParameter(TypeName.INT, "count")
        .addCode(c.build())
        .build();
  }

  private static FieldSpec doubleConstant(String name, String value, String doc) {
    return FieldSpec.builder(TypeName.DOUBLE, name, Modifier.PRIVATE, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("$L\n", doc)
        .initializer("$L", value)
        .build();
  }
}
