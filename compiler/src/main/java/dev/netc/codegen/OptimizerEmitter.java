package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Decimals;
import dev.netc.ir.Layer;
import dev.netc.ir.Optimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Emits the optimizer: hyperparameters as constants, its state as fields, {@code optimizerStep()},
 * {@code resetOptimizer()} and one static {@code update} helper that walks a parameter array.
 * Formulas are torch.optim's (see {@link Optimizer}); terms whose hyperparameter is zero (weight
 * decay, momentum) are left out of the generated code altogether.
 */
final class OptimizerEmitter {
  private final EmitContext ctx;
  private final Optimizer opt;

  OptimizerEmitter(EmitContext ctx) {
    this.ctx = ctx;
    this.opt = ctx.network().optimizer();
  }

  /** Number of state arrays per parameter array: 0 (plain SGD), 1 (momentum) or 2 (Adam). */
  int stateArrays() {
    if (opt instanceof Optimizer.Adam) {
      return 2;
    }
    return ((Optimizer.Sgd) opt).momentum() != 0 ? 1 : 0;
  }

  /** Hyperparameter constants. */
  List<FieldSpec> constants() {
    List<FieldSpec> f = new ArrayList<>();
    if (opt.weightDecay() != 0) {
      f.add(constant("WEIGHT_DECAY", opt.weightDecay()));
    }
    if (opt instanceof Optimizer.Sgd sgd && sgd.momentum() != 0) {
      f.add(constant("MOMENTUM", sgd.momentum()));
    }
    if (opt instanceof Optimizer.Adam adam) {
      f.add(constant("BETA1", adam.beta1()));
      f.add(constant("ONE_MINUS_BETA1", 1 - adam.beta1()));
      f.add(constant("BETA2", adam.beta2()));
      f.add(constant("ONE_MINUS_BETA2", 1 - adam.beta2()));
      f.add(constant("EPSILON", adam.eps()));
    }
    return f;
  }

  /** State fields: per parameter array its state arrays, and the step count. */
  List<FieldSpec> fields() {
    List<FieldSpec> f = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      if (stateArrays() >= 1) {
        f.add(ctx.buffer(n.weightState1(), l.weightCount()));
        f.add(ctx.buffer(n.biasState1(), l.outSize()));
      }
      if (stateArrays() >= 2) {
        f.add(ctx.buffer(n.weightState2(), l.weightCount()));
        f.add(ctx.buffer(n.biasState2(), l.outSize()));
      }
    }
    f.add(FieldSpec.builder(TypeName.LONG, "stepCount", Modifier.PRIVATE)
        .addJavadoc("Optimizer steps taken since construction or the last reset.\n")
        .build());
    f.add(FieldSpec.builder(TypeName.DOUBLE, "learningRate", Modifier.PRIVATE)
        .addJavadoc("The learning rate of the next step: the .net file's until set.\n")
        .initializer("$L", Decimals.of(opt.lr()))
        .build());
    return f;
  }

  /** Per layer, the copy constructor's statements that copy the state from {@code source}. */
  List<CodeBlock> copyState() {
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      CodeBlock.Builder c = CodeBlock.builder();
      for (String s : stateNames(l)) {
        c.addStatement("$T.arraycopy(source.$N, 0,$Wthis.$N, 0, this.$N.length)", System.class,
            s, s, s);
      }
      blocks.add(c.build());
    }
    return blocks;
  }

  /** optimizerStep (public, from a caller's gradient), step (internal), reset, update. */
  List<MethodSpec> methods() {
    return List.of(step(true), step(false), reset(), update());
  }

  private MethodSpec step(boolean external) {
    MethodSpec.Builder m;
    if (external) {
      m = MethodSpec.methodBuilder("optimizerStep")
          .addJavadoc("Applies one optimizer step with the gradient {@code grad}, in {@link "
              + "#parameterLayout()} order\n(e.g. summed with {@link #accumulateGradient}): "
              + "$L.\n", Javadoc.escape(opt.describe()))
          .addModifiers(Modifier.PUBLIC)
          .addParameter(ctx.array(), "grad")
          .addStatement("checkLength(grad.length, PARAMETER_COUNT, $S)", "gradient");
    } else {
      m = MethodSpec.methodBuilder("step")
          .addJavadoc("Applies one optimizer step with the gradient buffers times {@code "
              + "scale}.\n")
          .addModifiers(Modifier.PRIVATE)
          .addParameter(TypeName.DOUBLE, "scale");
    }
    boolean adam = opt instanceof Optimizer.Adam;
    if (stateArrays() == 1) {
      m.addComment("torch.optim.SGD: the momentum buffer starts as the first gradient.");
      m.addStatement("boolean first = stepCount == 0");
    }
    m.addStatement("stepCount++");
    m.addCode(stepScalars());
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      CodeBlock wg = external
          ? CodeBlock.of("grad, $L, $L", ctx.network().weightOffset(l.index()), ctx.lit(1))
          : CodeBlock.of("$N, 0, $L", n.weightGrad(), ctx.precision().cast("scale"));
      CodeBlock bg = external
          ? CodeBlock.of("grad, $L, $L", ctx.network().biasOffset(l.index()), ctx.lit(1))
          : CodeBlock.of("$N, 0, $L", n.biasGrad(), ctx.precision().cast("scale"));
      blocks.add(CodeBlock.builder()
          .addStatement("update($L)", updateArgs(n.weight(), wg, n.weightState1(),
              n.weightState2()))
          .addStatement("update($L)", updateArgs(n.bias(), bg, n.biasState1(), n.biasState2()))
          .build());
    }
    List<ParameterSpec> params = new ArrayList<>();
    params.add(external ? ParameterSpec.builder(ctx.array(), "grad").build()
        : ParameterSpec.builder(TypeName.DOUBLE, "scale").build());
    if (stateArrays() == 1) {
      params.add(ParameterSpec.builder(TypeName.BOOLEAN, "first").build());
    }
    params.addAll(stepParameters());
    m.addCode(ctx.helpers().perLayer(external ? "optimizerStep" : "step", false, params,
        blocks));
    return m.build();
  }

  /**
   * The per-step scalars, computed once per step after {@code stepCount++}: the learning rate in
   * the network's precision (SGD), or torch.optim.Adam's step size and bias correction, computed
   * in double from the current learning rate.
   */
  CodeBlock stepScalars() {
    CodeBlock.Builder c = CodeBlock.builder();
    if (opt instanceof Optimizer.Adam a) {
      c.add("// torch.optim.Adam's bias corrections, computed in double once per step.\n");
      c.addStatement("$T stepSize = $L", ctx.scalar(), ctx.precision().cast(
          "learningRate / (1.0 - Math.pow(" + Decimals.of(a.beta1()) + ", stepCount))"));
      c.addStatement("$T bc2Sqrt = $L", ctx.scalar(), ctx.precision().cast(
          "Math.sqrt(1.0 - Math.pow(" + Decimals.of(a.beta2()) + ", stepCount))"));
    } else {
      c.addStatement("$T lr = $L", ctx.scalar(), ctx.precision().cast("learningRate"));
    }
    return c.build();
  }

  /** The parameters that carry {@link #stepScalars()} into the per-layer code. */
  List<ParameterSpec> stepParameters() {
    if (opt instanceof Optimizer.Adam) {
      return List.of(ParameterSpec.builder(ctx.scalar(), "stepSize").build(),
          ParameterSpec.builder(ctx.scalar(), "bc2Sqrt").build());
    }
    return List.of(ParameterSpec.builder(ctx.scalar(), "lr").build());
  }

  private CodeBlock updateArgs(String p, CodeBlock g, String s1, String s2) {
    return switch (stateArrays()) {
      case 0 -> CodeBlock.of("$N, $L, lr", p, g);
      case 1 -> CodeBlock.of("$N, $L, $N, first, lr", p, g, s1);
      default -> CodeBlock.of("$N, $L, $N, $N, stepSize, bc2Sqrt", p, g, s1, s2);
    };
  }

  private MethodSpec reset() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("resetOptimizer")
        .addAnnotation(Override.class)
        .addJavadoc("Forgets the optimizer state: step count$L.\n",
            stateArrays() == 0 ? "" : stateArrays() == 1 ? " and momentum buffers"
                : " and Adam moments")
        .addModifiers(Modifier.PUBLIC);
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      CodeBlock.Builder c = CodeBlock.builder();
      for (String s : stateNames(l)) {
        c.addStatement("$T.fill($N, $L)", Arrays.class, s, ctx.lit(0));
      }
      blocks.add(c.build());
    }
    m.addCode(ctx.helpers().perLayer("resetOptimizer", blocks));
    m.addStatement("stepCount = 0");
    return m.build();
  }

  private MethodSpec update() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("update")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(ctx.array(), "p")
        .addParameter(ctx.array(), "g")
        .addParameter(TypeName.INT, "gOff")
        // In the network's precision, so that C2 vectorizes the loop (see scaledCopy).
        .addParameter(ctx.scalar(), "scale");
    String gi = "g[gOff + i] * scale";
    boolean decay = ctx.network().optimizer().weightDecay() != 0;
    switch (stateArrays()) {
      case 0 -> {
        m.addJavadoc("SGD on one parameter array: p -= lr * (g + weight_decay * p).\n");
        m.addParameter(ctx.scalar(), "lr");
        m.beginControlFlow("for (int i = 0; i < p.length; i++)");
        gradient(m, gi, decay);
        m.addStatement("p[i] -= lr * gi");
        m.endControlFlow();
      }
      case 1 -> {
        boolean nesterov = ((Optimizer.Sgd) opt).nesterov();
        m.addJavadoc("SGD with $L momentum on one parameter array and its buffer.\n",
            nesterov ? "Nesterov" : "heavy-ball");
        m.addParameter(ctx.array(), "buf").addParameter(TypeName.BOOLEAN, "first")
            .addParameter(ctx.scalar(), "lr");
        m.beginControlFlow("for (int i = 0; i < p.length; i++)");
        gradient(m, gi, decay);
        m.addStatement("$T bi = first ? gi : MOMENTUM * buf[i] + gi", ctx.scalar());
        m.addStatement("buf[i] = bi");
        m.addStatement(nesterov ? "p[i] -= lr * (gi + MOMENTUM * bi)" : "p[i] -= lr * bi");
        m.endControlFlow();
      }
      default -> {
        m.addJavadoc("Adam on one parameter array and its two moments.\n");
        m.addParameter(ctx.array(), "m").addParameter(ctx.array(), "v")
            .addParameter(ctx.scalar(), "stepSize").addParameter(ctx.scalar(), "bc2Sqrt");
        m.beginControlFlow("for (int i = 0; i < p.length; i++)");
        gradient(m, gi, decay);
        m.addStatement("$T mi = BETA1 * m[i] + ONE_MINUS_BETA1 * gi", ctx.scalar());
        m.addStatement("$T vi = BETA2 * v[i] + ONE_MINUS_BETA2 * gi * gi", ctx.scalar());
        m.addStatement("m[i] = mi");
        m.addStatement("v[i] = vi");
        m.addStatement("$T denom = $L / bc2Sqrt + EPSILON", ctx.scalar(),
            ctx.precision().cast("Math.sqrt(vi)"));
        m.addStatement("p[i] -= stepSize * (mi / denom)");
        m.endControlFlow();
      }
    }
    return m.build();
  }

  private void gradient(MethodSpec.Builder m, String gi, boolean decay) {
    m.addStatement("$T gi = $L", ctx.scalar(), gi);
    if (decay) {
      m.addStatement("gi += WEIGHT_DECAY * p[i]");
    }
  }

  /** The state arrays of layer {@code l}, in the order of the copy and reset statements. */
  List<String> stateNames(Layer l) {
    List<String> s = new ArrayList<>();
    Names.LayerNames n = ctx.names().layer(l.index());
    if (stateArrays() >= 1) {
      s.add(n.weightState1());
      s.add(n.biasState1());
    }
    if (stateArrays() >= 2) {
      s.add(n.weightState2());
      s.add(n.biasState2());
    }
    return s;
  }

  private FieldSpec constant(String name, double value) {
    return FieldSpec.builder(ctx.scalar(), name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer("$L", ctx.lit(value))
        .build();
  }
}
