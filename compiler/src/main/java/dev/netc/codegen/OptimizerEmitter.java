package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
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
    f.add(constant("LEARNING_RATE", opt.lr()));
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
        f.add(array(n.weightState1(), l.weightCount()));
        f.add(array(n.biasState1(), l.outSize()));
      }
      if (stateArrays() >= 2) {
        f.add(array(n.weightState2(), l.weightCount()));
        f.add(array(n.biasState2(), l.outSize()));
      }
    }
    f.add(FieldSpec.builder(TypeName.LONG, "stepCount", Modifier.PRIVATE)
        .addJavadoc("Optimizer steps taken since construction or the last reset.\n")
        .build());
    return f;
  }

  /** Statements of the copy constructor that copy the optimizer state from {@code source}. */
  CodeBlock copyState() {
    CodeBlock.Builder c = CodeBlock.builder();
    for (String s : stateNames()) {
      c.addStatement("$T.arraycopy(source.$N, 0, this.$N, 0, this.$N.length)", System.class, s, s,
          s);
    }
    c.addStatement("this.stepCount = source.stepCount");
    return c.build();
  }

  /** optimizerStep, resetOptimizer and the update helper. */
  List<MethodSpec> methods() {
    return List.of(step(), reset(), update());
  }

  private MethodSpec step() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("optimizerStep")
        .addJavadoc("Applies one $L step to the accumulated gradient (see {@link "
            + "#accumulateGradient}).\n", Javadoc.escape(opt.describe()))
        .addModifiers(Modifier.PUBLIC);
    boolean adam = opt instanceof Optimizer.Adam;
    if (stateArrays() == 1) {
      m.addComment("torch.optim.SGD: the momentum buffer starts as the first gradient.");
      m.addStatement("boolean first = stepCount == 0");
    }
    m.addStatement("stepCount++");
    if (adam) {
      Optimizer.Adam a = (Optimizer.Adam) opt;
      m.addComment("torch.optim.Adam's bias corrections, computed in double once per step.");
      m.addStatement("$T stepSize = $L", ctx.scalar(), ctx.precision().cast(
          a.lr() + " / (1.0 - Math.pow(" + a.beta1() + ", stepCount))"));
      m.addStatement("$T bc2Sqrt = $L", ctx.scalar(), ctx.precision().cast(
          "Math.sqrt(1.0 - Math.pow(" + a.beta2() + ", stepCount))"));
    }
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      m.addStatement("update($L)", updateArgs(n.weight(), n.weightGrad(), n.weightState1(),
          n.weightState2()));
      m.addStatement("update($L)", updateArgs(n.bias(), n.biasGrad(), n.biasState1(),
          n.biasState2()));
    }
    return m.build();
  }

  private CodeBlock updateArgs(String p, String g, String s1, String s2) {
    return switch (stateArrays()) {
      case 0 -> CodeBlock.of("$N, $N", p, g);
      case 1 -> CodeBlock.of("$N, $N, $N, first", p, g, s1);
      default -> CodeBlock.of("$N, $N, $N, $N, stepSize, bc2Sqrt", p, g, s1, s2);
    };
  }

  private MethodSpec reset() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("resetOptimizer")
        .addAnnotation(Override.class)
        .addJavadoc("Forgets the optimizer state: step count$L.\n",
            stateArrays() == 0 ? "" : stateArrays() == 1 ? " and momentum buffers"
                : " and Adam moments")
        .addModifiers(Modifier.PUBLIC);
    for (String s : stateNames()) {
      m.addStatement("$T.fill($N, $L)", Arrays.class, s, ctx.lit(0));
    }
    m.addStatement("stepCount = 0");
    return m.build();
  }

  private MethodSpec update() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("update")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(ctx.array(), "p")
        .addParameter(ctx.array(), "g");
    String gi = ctx.network().optimizer().weightDecay() != 0
        ? "g[i] + WEIGHT_DECAY * p[i]" : "g[i]";
    switch (stateArrays()) {
      case 0 -> {
        m.addJavadoc("SGD on one parameter array: p -= lr * (g + weight_decay * p).\n");
        m.beginControlFlow("for (int i = 0; i < p.length; i++)");
        m.addStatement("p[i] -= LEARNING_RATE * ($L)", gi);
        m.endControlFlow();
      }
      case 1 -> {
        boolean nesterov = ((Optimizer.Sgd) opt).nesterov();
        m.addJavadoc("SGD with $L momentum on one parameter array and its buffer.\n",
            nesterov ? "Nesterov" : "heavy-ball");
        m.addParameter(ctx.array(), "buf").addParameter(TypeName.BOOLEAN, "first");
        m.beginControlFlow("for (int i = 0; i < p.length; i++)");
        m.addStatement("$T gi = $L", ctx.scalar(), gi);
        m.addStatement("$T bi = first ? gi : MOMENTUM * buf[i] + gi", ctx.scalar());
        m.addStatement("buf[i] = bi");
        m.addStatement(nesterov ? "p[i] -= LEARNING_RATE * (gi + MOMENTUM * bi)"
            : "p[i] -= LEARNING_RATE * bi");
        m.endControlFlow();
      }
      default -> {
        m.addJavadoc("Adam on one parameter array and its two moments.\n");
        m.addParameter(ctx.array(), "m").addParameter(ctx.array(), "v")
            .addParameter(ctx.scalar(), "stepSize").addParameter(ctx.scalar(), "bc2Sqrt");
        m.beginControlFlow("for (int i = 0; i < p.length; i++)");
        m.addStatement("$T gi = $L", ctx.scalar(), gi);
        m.addStatement("$T mi = BETA1 * m[i] + ONE_MINUS_BETA1 * gi", ctx.scalar());
        m.addStatement("$T vi = BETA2 * v[i] + ONE_MINUS_BETA2 * gi * gi", ctx.scalar());
        m.addStatement("m[i] = mi");
        m.addStatement("v[i] = vi");
        m.addStatement("$T denom = $L / bc2Sqrt + EPSILON", ctx.scalar(),
            ctx.precision().cast("Math.sqrt(vi)"));
        m.addStatement("p[i] -= stepSize * mi / denom");
        m.endControlFlow();
      }
    }
    return m.build();
  }

  private List<String> stateNames() {
    List<String> s = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      if (stateArrays() >= 1) {
        s.add(n.weightState1());
        s.add(n.biasState1());
      }
      if (stateArrays() >= 2) {
        s.add(n.weightState2());
        s.add(n.biasState2());
      }
    }
    return s;
  }

  private FieldSpec constant(String name, double value) {
    return FieldSpec.builder(ctx.scalar(), name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer("$L", ctx.lit(value))
        .build();
  }

  private FieldSpec array(String name, int size) {
    return FieldSpec.builder(ctx.array(), name, Modifier.PRIVATE, Modifier.FINAL)
        .initializer("new $T[$L]", ctx.scalar(), size)
        .build();
  }
}
