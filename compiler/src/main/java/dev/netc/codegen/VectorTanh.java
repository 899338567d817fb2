package dev.netc.codegen;

import static dev.netc.codegen.VectorLoops.VECTOR_PACKAGE;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Precision;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * tanh over a range of floats in float vectors of the class's {@code SPECIES}, for the float
 * classes of the vector backend: {@code a[aOff + i] = NetcMath.tanh(z[zOff + i])} for {@code i <
 * count}, bit for bit.
 *
 * <p>Why: a scalar tanh costs several ns per value (a polynomial and a division, one value at a
 * time). A 784-256-128-10 MLP with tanh hidden layers trained at batch 32 at 39.7k samples/s and
 * predicted 57.9k images/s with it on the Intel Xeon host, against 59.7k and 77.7k with the
 * earlier, double-vector form of this kernel ({@code BackendTiming cnn 3 1} on that network; the
 * same network with relu trains at about 71k).
 *
 * <p>It is {@code NetcMath.tanh}'s algorithm, which uses float operations only, with each
 * operation the same IEEE operation (multiplications and additions, never fused), so the results
 * are the scalar backend's and the interpreter's exactly. Both branches (the odd polynomial below
 * |x| = 0.625, the exponential above) are computed for every lane and one is picked by a mask.
 * The scalar code's 2<sup>k</sup> (0 ≤ k ≤ 27) is an integer shift into the exponent; here p is
 * multiplied by 2<sup>16</sup>, 2<sup>8</sup>, 2<sup>4</sup>, 2<sup>2</sup>, 2 where k's bits
 * say so, which is exact, because an int vector would be another element type. The lanes past
 * the last whole vector take {@code NetcMath.tanh}.
 *
 * <p>In a JVM shared with other vector classes it had a cost: when this method first ran
 * after their kernels had warmed up, its operations the others do not use (the division,
 * {@code min}, the comparisons; in its earlier form the double and long vectors too) reached
 * Vector API methods that C2 had compiled on their own for those kernels ({@code
 * ImplCache.find}, {@code VectorOperators.opKind}, {@code VectorSupport.unaryOp}, ...) and took
 * class-check traps, and every later compilation that inlined them passed {@code
 * -XX:PerMethodTrapLimit} and boxed vectors (the benchmarks' {@code MixedJvmAllocation --tanh}:
 * 0.15–0.9 MB per training step of a tanh MLP after LeNet-5 and the Small CNN, in every JVM;
 * clean when the tanh class ran first; docs/performance.md, thirty-fifth session). So every
 * float vector class has this method, and the JVM's first one runs it a few times as it
 * initializes ({@link #staticBlock}, {@code dev.netc.runtime.VectorWarmUp}): the tanh class
 * then runs first in effect, whatever the order (thirty-seventh session). Hence also {@code 0 -
 * m} rather than {@code neg()}, which would be one more operator to warm up.
 */
final class VectorTanh {
  /** The generated method's name. */
  static final String METHOD = "tanhRange";
  /**
   * Ranges shorter than this are written as scalar calls. Over 16 values (the 4-16-3 network)
   * the earlier double-vector form made {@code predict} 23 % faster but the one-example training
   * step 18 % slower (JMH {@code tinyTrainB1}, 2.89M → 2.38M steps/s); it paid on layers of 128
   * and 256 values (class comment).
   */
  static final int MIN_COUNT = 64;

  private static final ClassName FLOAT_VECTOR = ClassName.get(VECTOR_PACKAGE, "FloatVector");
  private static final ClassName OPERATORS = ClassName.get(VECTOR_PACKAGE, "VectorOperators");
  private static final ClassName NETC_MATH = ClassName.get("dev.netc.runtime", "NetcMath");

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
    addKernel(ctx);
    return Optional.of(CodeBlock.of("$L($L, $L, $L, $L, $L);\n", METHOD, z, zOff, a, aOff,
        count));
  }

  /** The method that runs {@link #METHOD} to warm the Vector API up ({@link #staticBlock}). */
  static final String WARM_UP = "warmUpVectorOperators";

  /**
   * Calls of {@link #METHOD} in the warm-up, over 4 vectors each: in a harness 3 sufficed and 1
   * did not; each call after the first few costs 1–2 ms, interpreted or in C1's code.
   */
  static final int WARM_UP_ROUNDS = 10;

  /** Vectors of values per call in the warm-up: quarters from -LANES / 2 up. */
  static final int WARM_UP_VECTORS = 4;

  /**
   * A float vector class's static initializer: if it is the JVM's first such class ({@code
   * VectorWarmUp.claim}), it runs this kernel a few times, so that its operators, which the
   * other kernels do not use, reach the Vector API's shared methods before C2 compiles them for
   * the other classes (see the class comment and {@code VectorWarmUp}). Adds that method and
   * {@link #METHOD} to the class's helpers (once) as a side effect. Empty for other classes.
   */
  static Optional<CodeBlock> staticBlock(EmitContext ctx) {
    if (ctx.precision() != Precision.FLOAT
        || ctx.policy().backend() != CodegenPolicy.Backend.VECTOR) {
      return Optional.empty();
    }
    addKernel(ctx);
    if (!ctx.helpers().has(WARM_UP)) {
      ctx.helpers().add(MethodSpec.methodBuilder(WARM_UP)
          .addJavadoc("Runs {@link #$L} over $L vectors of values, $L times (see the static "
              + "initializer).\n", METHOD, WARM_UP_VECTORS, WARM_UP_ROUNDS)
          .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
          .addStatement("float[] z = new float[$L * LANES]", WARM_UP_VECTORS)
          .addStatement("float[] a = new float[z.length]")
          .beginControlFlow("for (int i = 0; i < z.length; i++)")
          .addStatement("z[i] = (i - z.length / 2) * 0.25f")
          .endControlFlow()
          .beginControlFlow("for (int round = 0; round < $L; round++)", WARM_UP_ROUNDS)
          .addStatement("$L(z, 0, a, 0, z.length)", METHOD)
          .endControlFlow()
          .build());
    }
    return Optional.of(CodeBlock.builder()
        .add("// The first float vector class of a JVM runs its tanh kernel a few times: its\n"
            + "// operators then reach the Vector API's shared code before C2 compiles that for\n"
            + "// other classes' kernels, which would otherwise make C2 box vectors in a tanh\n"
            + "// class run after them (dev.netc.runtime.VectorWarmUp).\n")
        .beginControlFlow("if ($T.claim($S))", ClassName.get("dev.netc.runtime",
            "VectorWarmUp"), "float")
        .addStatement("$L()", WARM_UP)
        .endControlFlow()
        .build());
  }

  /** Adds {@link #METHOD} to the class's helpers unless it is there. */
  private static void addKernel(EmitContext ctx) {
    if (!ctx.helpers().has(METHOD)) {
      ctx.helpers().add(method());
    }
  }

  /** The method {@link #range} calls. */
  private static MethodSpec method() {
    TypeName mask = ParameterizedTypeName.get(ClassName.get(VECTOR_PACKAGE, "VectorMask"),
        ClassName.get(Float.class));
    CodeBlock.Builder c = CodeBlock.builder();
    c.addStatement("int i = 0");
    c.beginControlFlow("for (; i <= count - LANES; i += LANES)");
    c.addStatement("$T x = $T.fromArray(SPECIES, z, zOff + i)", FLOAT_VECTOR, FLOAT_VECTOR);
    c.addStatement("$T ax = x.abs()", FLOAT_VECTOR);
    c.add("// 1 - 2 / (e^y + 1), y = 2 min(|x|, TANH_SATURATION), e^y = 2^k e^r.\n");
    c.addStatement("$T y = ax.min($T.TANH_SATURATION)", FLOAT_VECTOR, NETC_MATH);
    c.addStatement("y = y.add(y)");
    c.addStatement("$T k = y.mul($T.LOG2_E).add($T.ROUND).sub($T.ROUND)", FLOAT_VECTOR,
        NETC_MATH, NETC_MATH, NETC_MATH);
    c.addStatement("$T r = y.sub(k.mul($T.LN2_HI)).sub(k.mul($T.LN2_LO))", FLOAT_VECTOR,
        NETC_MATH, NETC_MATH);
    c.addStatement("$T q = r.mul($T.E4).add($T.E3)", FLOAT_VECTOR, NETC_MATH, NETC_MATH);
    for (String coefficient : List.of("E2", "E1", "E0")) {
      c.addStatement("q = q.mul(r).add($T.$L)", NETC_MATH, coefficient);
    }
    c.addStatement("$T e = r.mul(r).mul(q).add(r).add(1f)", FLOAT_VECTOR);
    c.add("// e *= 2^k by k's bits (k <= 27; a NaN's compares are false): exact.\n");
    for (int bit = 16; bit >= 1; bit /= 2) {
      c.addStatement("$T k$L = k.compare($T.GE, $Lf)", mask, bit, OPERATORS, bit);
      c.addStatement("e = e.blend(e.mul($Lf), k$L)", 1 << bit, bit);
      if (bit > 1) {
        c.addStatement("k = k.blend(k.sub($Lf), k$L)", bit, bit);
      }
    }
    c.addStatement("$T m = $T.broadcast(SPECIES, 1f).sub($T.broadcast(SPECIES, 2f)"
        + ".div(e.add(1f)))", FLOAT_VECTOR, FLOAT_VECTOR, FLOAT_VECTOR);
    c.add("// copySign (m > 0), as 0 - m: neg() would be the class's only unary operation but\n"
        + "// abs(), and a new operator in a JVM whose other kernels are compiled makes C2 box.\n");
    c.addStatement("m = m.blend($T.zero(SPECIES).sub(m), x.compare($T.LT, 0f))", FLOAT_VECTOR,
        OPERATORS);
    c.add("// Below TANH_SMALL: x + x (t s(t)), t = x^2; below TANH_LINEAR: x.\n");
    c.addStatement("$T t = x.mul(x)", FLOAT_VECTOR);
    c.addStatement("$T s = t.mul($T.S4).add($T.S3)", FLOAT_VECTOR, NETC_MATH, NETC_MATH);
    for (String coefficient : List.of("S2", "S1", "S0")) {
      c.addStatement("s = s.mul(t).add($T.$L)", NETC_MATH, coefficient);
    }
    c.addStatement("$T small = x.mul(t.mul(s)).add(x).blend(x, ax.compare($T.LT, "
        + "$T.TANH_LINEAR))", FLOAT_VECTOR, OPERATORS, NETC_MATH);
    c.addStatement("m.blend(small, ax.compare($T.LT, $T.TANH_SMALL)).intoArray(a, aOff + i)",
        OPERATORS, NETC_MATH);
    c.endControlFlow();
    c.beginControlFlow("for (; i < count; i++)");
    c.addStatement("a[aOff + i] = $T.tanh(z[zOff + i])", NETC_MATH);
    c.endControlFlow();
    return MethodSpec.methodBuilder(METHOD)
        .addJavadoc("{@code a[aOff + i] = NetcMath.tanh(z[zOff + i])} for {@code i < count}, "
            + "bit for bit, {@link #LANES}\nvalues at a time (a and z may be the same "
            + "range).\n")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(float[].class, "z")
        .addParameter(TypeName.INT, "zOff")
        .addParameter(float[].class, "a")
        .addParameter(TypeName.INT, "aOff")
        .addParameter(TypeName.INT, "count")
        .addCode(c.build())
        .build();
  }
}
