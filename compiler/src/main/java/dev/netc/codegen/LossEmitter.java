package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Loss;
import dev.netc.ir.Precision;
import dev.netc.runtime.LossReduction;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Emits the loss of the generated class: its value per example, the output layer's δ, and the
 * reduction's scale. Elementwise losses come from the IR's {@link Loss} templates, evaluated in
 * double like the interpreter; softmax cross-entropy, which is not elementwise, is written here
 * with log-sum-exp and the fused δ = a - onehot(label).
 */
final class LossEmitter {
  private final EmitContext ctx;
  private final Loss loss;
  private final boolean ce;

  LossEmitter(EmitContext ctx) {
    this.ctx = ctx;
    this.loss = ctx.network().loss().orElseThrow();
    this.ce = loss instanceof Loss.CrossEntropy;
  }

  /** lossScale(n): the reduction, as {@link Loss#scale}. */
  MethodSpec lossScale() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("lossScale")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(TypeName.DOUBLE)
        .addParameter(TypeName.INT, "n");
    if (loss.reduction() == LossReduction.SUM) {
      m.addJavadoc("reduction = sum: per-example losses and gradients are added up.\n");
      m.addStatement("return 1.0");
    } else if (ce) {
      m.addJavadoc("reduction = mean over the batch (as Loss.scale).\n");
      m.addStatement("return 1.0 / n");
    } else {
      m.addJavadoc("reduction = mean over batch × outputs (as Loss.scale).\n");
      m.addStatement("return 1.0 / ((double) n * OUTPUT_SIZE)");
    }
    return m.build();
  }

  /** exampleLoss: the unscaled loss of the current example. */
  MethodSpec exampleLoss() {
    Names.LayerNames out = ctx.outputNames();
    int outputs = ctx.network().outputSize();
    MethodSpec.Builder m = MethodSpec.methodBuilder("exampleLoss")
        .addModifiers(Modifier.PRIVATE).returns(ctx.scalar());
    String target = targetParameters(m);
    String term = ce ? "" : loss.javaElementLoss("zj", "aj", "tj", Precision.DOUBLE);
    if (ce || EmitContext.mentions(term, "zj")) {
      m.addStatement("$T z = $N", ctx.array(), out.z());
    }
    if (ce) {
      m.addJavadoc("Cross-entropy of the current example in double: log-sum-exp of the logits "
          + "minus the label's logit,\nfrom the shift and sum its forward pass's softmax "
          + "kept.\n");
      m.addStatement("return $L", ctx.precision().cast(JavaGenerator.SOFTMAX_MAX + " + Math.log("
          + JavaGenerator.SOFTMAX_SUM + ") - z[" + target + "]"));
      return m.build();
    }
    m.addJavadoc("$L of the current example, summed over the outputs in double.\n",
        loss.keyword());
    if (EmitContext.mentions(term, "aj")) {
      m.addStatement("$T a = $N", ctx.array(), out.act());
    }
    m.addStatement("double sum = 0.0");
    m.beginControlFlow("for (int j = 0; j < $L; j++)", outputs);
    elementLocals(m, term);
    m.addStatement("sum += $L", term);
    m.endControlFlow();
    m.addStatement("return $L", ctx.precision().cast("sum"));
    return m.build();
  }

  /** outputDelta: the unscaled δ of the output layer for the current example. */
  MethodSpec outputDelta() {
    Names.LayerNames out = ctx.outputNames();
    Activation act = ctx.network().outputLayer().activation();
    int outputs = ctx.network().outputSize();
    MethodSpec.Builder m = MethodSpec.methodBuilder("outputDelta")
        .addModifiers(Modifier.PRIVATE);
    String target = targetParameters(m);
    String derivative = ce ? "" : "(" + act.javaDerivative("zj", "aj") + ")";
    String delta = ce ? "" : ctx.precision().cast(
        loss.javaElementDelta("zj", "aj", "tj", derivative, Precision.DOUBLE));
    if (ce || EmitContext.mentions(delta, "aj")) {
      m.addStatement("$T a = $N", ctx.array(), out.act());
    }
    m.addStatement("$T d = $N", ctx.array(), out.delta());
    if (ce) {
      m.addJavadoc("Unscaled delta of the output layer, softmax + cross-entropy fused: a - "
          + "onehot(label).\n");
      m.addStatement("$T.arraycopy(a, 0, d, 0, $L)", System.class, outputs);
      m.addStatement("d[$L] = a[$L] - $L", target, target, ctx.lit(1));
      return m.build();
    }
    m.addJavadoc("Unscaled delta of the output layer, d($L)/dz, computed in double.\n",
        loss.keyword());
    if (EmitContext.mentions(delta, "zj")) {
      m.addStatement("$T z = $N", ctx.array(), out.z());
    }
    m.beginControlFlow("for (int j = 0; j < $L; j++)", outputs);
    elementLocals(m, delta);
    m.addStatement("d[j] = $L", delta);
    m.endControlFlow();
    return m.build();
  }

  /** The per-output locals that {@code code} uses. */
  private static void elementLocals(MethodSpec.Builder m, String code) {
    if (EmitContext.mentions(code, "zj")) {
      m.addStatement("double zj = z[j]");
    }
    if (EmitContext.mentions(code, "aj")) {
      m.addStatement("double aj = a[j]");
    }
    if (EmitContext.mentions(code, "tj")) {
      m.addStatement("double tj = t[tOff + j]");
    }
  }

  /** Class-index checks for cross_entropy targets. */
  List<MethodSpec> labelChecks() {
    MethodSpec fromValues = MethodSpec.methodBuilder("checkLabels")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(ctx.array(), "targets").addParameter(TypeName.INT, "n")
        .beginControlFlow("for (int e = 0; e < n; e++)")
        .addStatement("$T v = targets[e]", ctx.scalar())
        .beginControlFlow("if ((int) v != v || v < 0 || v >= OUTPUT_SIZE)")
        .addStatement("throw new $T($S + v + $S + OUTPUT_SIZE + $S)",
            IllegalArgumentException.class, "class index ", " is not an integer in [0, ", ")")
        .endControlFlow()
        .endControlFlow()
        .build();
    MethodSpec fromInts = MethodSpec.methodBuilder("checkLabels")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(ArrayTypeName.of(TypeName.INT), "labels").addParameter(TypeName.INT, "n")
        .beginControlFlow("for (int e = 0; e < n; e++)")
        .addStatement("checkLabel(labels[e])")
        .endControlFlow()
        .build();
    MethodSpec one = MethodSpec.methodBuilder("checkLabel")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(TypeName.INT, "label")
        .beginControlFlow("if (label < 0 || label >= OUTPUT_SIZE)")
        .addStatement("throw new $T($S + label + $S + OUTPUT_SIZE + $S)",
            IllegalArgumentException.class, "class index ", " is not in [0, ", ")")
        .endControlFlow()
        .build();
    return List.of(fromValues, fromInts, one);
  }

  /** Adds the per-example target parameters and returns how to pass them on. */
  String targetParameters(MethodSpec.Builder m) {
    if (ce) {
      m.addParameter(TypeName.INT, "label");
      return "label";
    }
    m.addParameter(ctx.array(), "t").addParameter(TypeName.INT, "tOff");
    return "t, tOff";
  }
}
