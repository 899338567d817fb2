package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * relu over a range in vectors, for the one-example forward passes of the vector backend (its
 * dense rows, the online step's fused forward): {@code a[aOff + i] = z[zOff + i] > 0 ? z[zOff +
 * i] : 0} for {@code i < count}, by a compare and a blend, the same bits as the scalar form
 * (a NaN or −0 gives +0).
 *
 * <p>Why: written row by row, σ is a branch on the sign of z, which different inputs mispredict
 * about every other output. The Fashion MLP's {@code predict} over a pool of examples (JMH
 * {@code mlpPredictB1}) ran at 92–94k images/s with the branch and 111–122k with this pass, and
 * LeNet-5's per-example training 8 % faster (Intel Xeon host, docs/performance.md, twenty-eighth
 * session); on one image again and again the branch predictor learns the signs and hides the
 * cost. Measured in float classes; double classes take the same passes. The batched kernels already apply relu by a mask ({@link VectorBatchKernels},
 * the convolution tiles); this is the same form for the one-example paths.
 */
final class VectorRelu {
  /** The generated method's name. */
  static final String METHOD = "reluRange";
  /** The name of the method of {@link #timesDerivative}. */
  static final String DERIVATIVE_METHOD = "timesReluDerivative";
  /**
   * Ranges shorter than this keep σ (and σ') value by value, as {@link VectorTanh#MIN_COUNT}: the
   * forward pass's first vector load waits for the rows' scalar stores of z to retire, a stall
   * worth paying only over many values. With 16 (the Iris network's hidden layer of 16), its
   * one-example training step also ran with boxed vectors for several windows of {@code
   * AllocationTest} after the warm-up, until C2 had compiled the new methods; the σ' pass, one
   * more method for C2 in the same step, keeps the same threshold.
   */
  static final int MIN_COUNT = VectorTanh.MIN_COUNT;

  private static final ClassName OPERATORS =
      ClassName.get(VectorLoops.VECTOR_PACKAGE, "VectorOperators");

  private VectorRelu() {}

  /**
   * The call that sets {@code a[aOff + i] = relu(z[zOff + i])} for {@code i < count} (an
   * expression of at most {@code maxCount}), adding the method to the class on the first call;
   * empty unless {@code act} is relu and {@code maxCount} reaches {@link #MIN_COUNT}. a and z may
   * be the same range.
   */
  static Optional<CodeBlock> range(EmitContext ctx, VectorLoops loops, Activation act, String z,
      String zOff, String a, String aOff, String count, int maxCount) {
    if (!(act instanceof Activation.Relu) || maxCount < MIN_COUNT) {
      return Optional.empty();
    }
    if (!ctx.helpers().has(METHOD)) {
      ctx.helpers().add(method(ctx, loops, act));
    }
    return Optional.of(CodeBlock.of("$L($L, $L, $L, $L, $L);\n", METHOD, z, zOff, a, aOff,
        count));
  }

  /**
   * The call that multiplies {@code g[i]} by relu'(pz[i]) for {@code i < count}, adding the method
   * to the class on the first call; empty unless {@code act} is relu and {@code count} reaches
   * {@link #MIN_COUNT}. The one-example backward passes' σ' loop is the same branch on the sign.
   */
  static Optional<CodeBlock> timesDerivative(EmitContext ctx, VectorLoops loops, Activation act,
      String g, String pz, int count) {
    if (!(act instanceof Activation.Relu) || count < MIN_COUNT) {
      return Optional.empty();
    }
    if (!ctx.helpers().has(DERIVATIVE_METHOD)) {
      ctx.helpers().add(derivativeMethod(ctx, loops, act));
    }
    return Optional.of(CodeBlock.of("$L($L, $L, $L);\n", DERIVATIVE_METHOD, g, pz, count));
  }

  /**
   * The method {@link #range} calls: a method of its own, as the other vector kernels are (inline
   * blocks of vector code in large methods are what C2 boxes first; {@link VectorPools}).
   */
  private static MethodSpec method(EmitContext ctx, VectorLoops loops, Activation act) {
    ClassName v = loops.vectorType();
    return rangeMethod(METHOD, "{@code a[aOff + i] = relu(z[zOff + i])} for {@code i < count}, by "
            + "a mask rather than a branch on each\nsign (a and z may be the same range).\n",
        List.of(param(ctx.array(), "z"), param(TypeName.INT, "zOff"), param(ctx.array(), "a"),
            param(TypeName.INT, "aOff")),
        CodeBlock.of("$T zero = $T.zero(SPECIES);\n", v, v),
        CodeBlock.builder()
            .addStatement("$T zv = $T.fromArray(SPECIES, z, zOff + i)", v, v)
            .add("// NaN > 0 is false: +0, as the scalar form gives.\n")
            .addStatement("zero.blend(zv, zv.compare($T.GT, $L)).intoArray(a, aOff + i)",
                OPERATORS, ctx.lit(0))
            .build(),
        CodeBlock.of("a[aOff + i] = $L;\n", ctx.value(act, "z[zOff + i]")));
  }

  /**
   * The method {@link #timesDerivative} calls: g times a vector of σ' = z &gt; 0 ? 1 : 0 (a NaN
   * z gives 0), the same multiplication as the scalar {@code g[i] *= σ'}, so a negative g times
   * 0 stays −0 and an infinite one gives NaN, as there.
   */
  private static MethodSpec derivativeMethod(EmitContext ctx, VectorLoops loops,
      Activation act) {
    ClassName v = loops.vectorType();
    return rangeMethod(DERIVATIVE_METHOD, "{@code g[i] *= relu'(pz[i])} for {@code i < count}, "
            + "by a mask rather than a branch on each sign.\n",
        List.of(param(ctx.array(), "g"), param(ctx.array(), "pz")),
        CodeBlock.of("$T zero = $T.zero(SPECIES);\n$T one = $T.broadcast(SPECIES, $L);\n", v, v,
            v, v, ctx.lit(1)),
        CodeBlock.builder()
            .addStatement("$T zv = $T.fromArray(SPECIES, pz, i)", v, v)
            .addStatement("$T.fromArray(SPECIES, g, i).mul(zero.blend(one, zv.compare($T.GT, "
                + "$L))).intoArray(g, i)", v, OPERATORS, ctx.lit(0))
            .build(),
        // relu' reads z only: the activation argument is never used.
        CodeBlock.of("g[i] *= $L;\n", ctx.derivative(act, "pz[i]", "pz[i]")));
  }

  /**
   * A private static method {@code name(params..., int count)}: {@code setup}, then {@code
   * vectorStep} for each whole vector of i below count, then {@code scalarStep} for the rest.
   */
  private static MethodSpec rangeMethod(String name, String javadoc, List<ParameterSpec> params,
      CodeBlock setup, CodeBlock vectorStep, CodeBlock scalarStep) {
    CodeBlock.Builder c = CodeBlock.builder().add(setup);
    c.addStatement("int i = 0");
    c.beginControlFlow("for (int bound = SPECIES.loopBound(count); i < bound; i += LANES)");
    c.add(vectorStep);
    c.endControlFlow();
    c.beginControlFlow("for (; i < count; i++)");
    c.add(scalarStep);
    c.endControlFlow();
    return MethodSpec.methodBuilder(name)
        .addJavadoc(javadoc)
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameters(params)
        .addParameter(TypeName.INT, "count")
        .addCode(c.build())
        .build();
  }

  private static ParameterSpec param(TypeName type, String name) {
    return ParameterSpec.builder(type, name).build();
  }
}
