package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Reduction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Emits everything a network with a loss adds: gradient buffers, the loss and output δ (from the
 * IR's {@link Loss} templates; softmax cross-entropy, which is not elementwise, via log-sum-exp
 * here), the backward driver, and the public training API in up to three target flavours.
 *
 * <p>Gradients are accumulated example by example into per-layer arrays, already scaled by the
 * loss's reduction, so after {@code accumulateGradient} they hold exactly d(loss)/dθ.
 */
final class TrainingEmitter {

  /** How a public method receives its targets. */
  private enum Targets {
    /** {@code targets}, TARGET_WIDTH values per example (class indices as numbers for CE). */
    VALUES,
    /** {@code int[] labels}, one class index per example (cross_entropy only). */
    LABELS
  }

  private final EmitContext ctx;
  private final Loss loss;
  private final boolean ce;
  private final OptimizerEmitter optimizer;

  TrainingEmitter(EmitContext ctx) {
    this.ctx = ctx;
    this.loss = ctx.network().loss().orElseThrow();
    this.ce = loss instanceof Loss.CrossEntropy;
    this.optimizer = new OptimizerEmitter(ctx);
  }

  /** Constants: target width, loss scale, optimizer hyperparameters. */
  List<FieldSpec> constants() {
    List<FieldSpec> f = new ArrayList<>();
    f.add(FieldSpec.builder(TypeName.INT, "TARGET_WIDTH", Modifier.PUBLIC, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("Target values per example$L.\n", ce ? " (the class index)" : "")
        .initializer("$L", ctx.network().targetWidth())
        .build());
    double perExample = loss.scale(1, ctx.network().outputSize());
    f.add(FieldSpec.builder(TypeName.DOUBLE, "LOSS_SCALE", Modifier.PRIVATE, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("$L\n", loss.reduction() == Reduction.SUM
            ? "reduction = sum: per-example losses are added."
            : "reduction = mean: the sum of per-example losses is multiplied by LOSS_SCALE / n.")
        .initializer("$L", Double.toString(perExample))
        .build());
    f.addAll(optimizer.constants());
    return f;
  }

  /** Per-layer δ and gradient buffers, then the optimizer state. */
  List<FieldSpec> fields() {
    List<FieldSpec> f = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      f.add(array(n.delta(), l.outSize()));
      f.add(array(n.weightGrad(), l.weightCount()));
      f.add(array(n.biasGrad(), l.outSize()));
    }
    f.addAll(optimizer.fields());
    return f;
  }

  /** Statements for the copy constructor. */
  CodeBlock copyState() {
    return optimizer.copyState();
  }

  /** All training methods. */
  List<MethodSpec> methods() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(MethodSpec.methodBuilder("targetWidth").addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC).returns(TypeName.INT)
        .addStatement("return TARGET_WIDTH").build());
    for (Targets t : ce ? List.of(Targets.VALUES, Targets.LABELS) : List.of(Targets.VALUES)) {
      m.add(batchLoop(t, true));
      m.add(batchLoop(t, false));
      m.add(gradient(t));
      m.add(trainBatch(t));
      m.add(single(t, true));
      m.add(single(t, false));
    }
    m.add(zeroGradient());
    m.add(getGradient());
    m.addAll(optimizer.methods());
    m.add(example(true));
    m.add(example(false));
    m.add(exampleLoss());
    m.add(outputDelta());
    m.add(backward());
    if (ce) {
      m.addAll(labelChecks());
    }
    return m;
  }

  private MethodSpec batchLoop(Targets t, boolean train) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(train ? "accumulateGradient" : "loss")
        .addModifiers(Modifier.PUBLIC).returns(ctx.scalar());
    if (train) {
      m.addJavadoc("Adds d(loss)/d(parameters) of a mini-batch, with the network's reduction, to "
          + "the gradient buffers\n(zeroed by {@link #zeroGradient}, read by {@link "
          + "#getGradient}, applied by {@link #optimizerStep})\nand returns the batch loss; "
          + "parameters are unchanged.\n");
    } else {
      m.addJavadoc("The loss over a mini-batch with the network's reduction.\n");
      if (t == Targets.VALUES) {
        m.addAnnotation(Override.class);
      }
    }
    batchParameters(m, t);
    m.addStatement("checkBatch(xs.length, n, INPUT_SIZE, $S)", "input");
    if (t == Targets.VALUES) {
      m.addStatement("checkBatch(targets.length, n, TARGET_WIDTH, $S)", "target");
    } else {
      m.addStatement("checkBatch(labels.length, n, 1, $S)", "label");
    }
    if (ce) {
      m.addStatement("checkLabels($L, n)", t == Targets.VALUES ? "targets" : "labels");
    }
    m.addStatement("$T scale = $L", ctx.scalar(), scale("n"));
    m.addStatement("$T total = $L", ctx.scalar(), ctx.lit(0));
    m.beginControlFlow("for (int e = 0; e < n; e++)");
    m.addStatement("total += $L(xs, e * INPUT_SIZE, $L$L)",
        train ? "trainExample" : "evalExample", exampleTarget(t), train ? ", scale" : "");
    m.endControlFlow();
    m.addStatement("return total * scale");
    return m.build();
  }

  private MethodSpec gradient(Targets t) {
    MethodSpec.Builder m = MethodSpec.methodBuilder("gradient")
        .addJavadoc("Writes d(loss)/d(parameters) of a mini-batch to {@code grad} in "
            + "{@link #parameterLayout()} order\nand returns the loss; parameters and optimizer "
            + "state are unchanged.\n")
        .addModifiers(Modifier.PUBLIC).returns(ctx.scalar());
    if (t == Targets.VALUES) {
      m.addAnnotation(Override.class);
    }
    batchParameters(m, t);
    m.addParameter(ctx.array(), "grad");
    m.addStatement("checkLength(grad.length, PARAMETER_COUNT, $S)", "gradient");
    m.addStatement("zeroGradient()");
    m.addStatement("$T total = accumulateGradient(xs, $L, n)", ctx.scalar(), targetsArg(t));
    m.addStatement("getGradient(grad)");
    m.addStatement("return total");
    return m.build();
  }

  private MethodSpec trainBatch(Targets t) {
    MethodSpec.Builder m = MethodSpec.methodBuilder("trainBatch")
        .addJavadoc("One optimizer step on a mini-batch (forward, backward, update); returns the "
            + "loss before the update.\nAllocates nothing.\n")
        .addModifiers(Modifier.PUBLIC).returns(ctx.scalar());
    if (t == Targets.VALUES) {
      m.addAnnotation(Override.class);
    }
    batchParameters(m, t);
    m.addStatement("zeroGradient()");
    m.addStatement("$T total = accumulateGradient(xs, $L, n)", ctx.scalar(), targetsArg(t));
    m.addStatement("optimizerStep()");
    m.addStatement("return total");
    return m.build();
  }

  private MethodSpec single(Targets t, boolean train) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(train ? "trainStep" : "loss")
        .addJavadoc(train
            ? "One optimizer step on a single example; returns its loss before the update.\n"
            : "The loss of a single example.\n")
        .addModifiers(Modifier.PUBLIC).returns(ctx.scalar())
        .addParameter(ctx.array(), "x");
    m.addStatement("checkLength(x.length, INPUT_SIZE, $S)", "input");
    if (t == Targets.VALUES) {
      m.addParameter(ctx.array(), "target");
      m.addStatement("checkLength(target.length, TARGET_WIDTH, $S)", "target");
      m.addStatement("return $L(x, target, 1)", train ? "trainBatch" : "loss");
      return m.build();
    }
    m.addParameter(TypeName.INT, "label");
    m.addStatement("checkLabel(label)");
    m.addStatement("$T scale = $L", ctx.scalar(), scale("1"));
    if (train) {
      m.addStatement("zeroGradient()");
      m.addStatement("$T total = trainExample(x, 0, label, scale)", ctx.scalar());
      m.addStatement("optimizerStep()");
      m.addStatement("return total * scale");
    } else {
      m.addStatement("return evalExample(x, 0, label) * scale");
    }
    return m.build();
  }

  private MethodSpec zeroGradient() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("zeroGradient")
        .addJavadoc("Sets the gradient buffers to zero, as before a new accumulation.\n")
        .addModifiers(Modifier.PUBLIC);
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      m.addStatement("$T.fill($N, $L)", Arrays.class, n.weightGrad(), ctx.lit(0));
      m.addStatement("$T.fill($N, $L)", Arrays.class, n.biasGrad(), ctx.lit(0));
    }
    return m.build();
  }

  private MethodSpec getGradient() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("getGradient")
        .addJavadoc("Copies the gradient buffers, in {@link #parameterLayout()} order, into "
            + "{@code dst}.\n")
        .addModifiers(Modifier.PUBLIC)
        .addParameter(ctx.array(), "dst");
    m.addStatement("checkLength(dst.length, PARAMETER_COUNT, $S)", "gradient");
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      m.addStatement("$T.arraycopy($N, 0, dst, $L, $L)", System.class, n.weightGrad(),
          ctx.network().weightOffset(l.index()), l.weightCount());
      m.addStatement("$T.arraycopy($N, 0, dst, $L, $L)", System.class, n.biasGrad(),
          ctx.network().biasOffset(l.index()), l.outSize());
    }
    return m.build();
  }

  /** trainExample (forward, loss, δ_L, backward) or evalExample (forward, loss). */
  private MethodSpec example(boolean train) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(train ? "trainExample" : "evalExample")
        .addJavadoc(train
            ? "Forward and backward pass of one example; returns its unscaled loss.\n"
            : "Forward pass of one example; returns its unscaled loss.\n")
        .addModifiers(Modifier.PRIVATE).returns(ctx.scalar())
        .addParameter(ctx.array(), "xs").addParameter(TypeName.INT, "xOff");
    String target = targetParameters(m);
    if (train) {
      m.addParameter(ctx.scalar(), "scale");
    }
    m.addStatement("forward(xs, xOff)");
    if (!train) {
      m.addStatement("return exampleLoss($L)", target);
      return m.build();
    }
    m.addStatement("$T total = exampleLoss($L)", ctx.scalar(), target);
    m.addStatement("outputDelta($L, scale)", target);
    m.addStatement("backward()");
    m.addStatement("return total");
    return m.build();
  }

  private MethodSpec exampleLoss() {
    Names.LayerNames out = ctx.outputNames();
    int outputs = ctx.network().outputSize();
    MethodSpec.Builder m = MethodSpec.methodBuilder("exampleLoss")
        .addModifiers(Modifier.PRIVATE).returns(ctx.scalar());
    String target = targetParameters(m);
    m.addStatement("$T z = $N", ctx.array(), out.z());
    if (ce) {
      m.addJavadoc("Cross-entropy of the current example: log-sum-exp of the logits minus the "
          + "label's logit, in double.\n");
      m.addStatement("double max = z[0]");
      m.beginControlFlow("for (int j = 1; j < $L; j++)", outputs);
      m.addStatement("max = Math.max(max, z[j])");
      m.endControlFlow();
      m.addStatement("double sum = 0.0");
      m.beginControlFlow("for (int j = 0; j < $L; j++)", outputs);
      m.addStatement("sum += Math.exp(z[j] - max)");
      m.endControlFlow();
      m.addStatement("return $L", ctx.precision().cast("max + Math.log(sum) - z[" + target + "]"));
      return m.build();
    }
    m.addJavadoc("$L of the current example, summed over the outputs.\n", loss.keyword());
    m.addStatement("$T a = $N", ctx.array(), out.act());
    m.addStatement("$T sum = $L", ctx.scalar(), ctx.lit(0));
    m.beginControlFlow("for (int j = 0; j < $L; j++)", outputs);
    elementLocals(m);
    m.addStatement("sum += $L", loss.javaElementLoss("zj", "aj", "tj", ctx.precision()));
    m.endControlFlow();
    m.addStatement("return sum");
    return m.build();
  }

  private MethodSpec outputDelta() {
    Names.LayerNames out = ctx.outputNames();
    Activation act = ctx.network().outputLayer().activation();
    int outputs = ctx.network().outputSize();
    MethodSpec.Builder m = MethodSpec.methodBuilder("outputDelta")
        .addModifiers(Modifier.PRIVATE);
    String target = targetParameters(m);
    m.addParameter(ctx.scalar(), "scale");
    m.addStatement("$T a = $N", ctx.array(), out.act());
    m.addStatement("$T d = $N", ctx.array(), out.delta());
    if (ce) {
      m.addJavadoc("delta of the output layer for softmax + cross-entropy, fused: scale * (a - "
          + "onehot(label)).\n");
      m.beginControlFlow("for (int j = 0; j < $L; j++)", outputs);
      m.addStatement("d[j] = scale * a[j]");
      m.endControlFlow();
      m.addStatement("d[$L] = scale * (a[$L] - $L)", target, target, ctx.lit(1));
      return m.build();
    }
    m.addJavadoc("delta of the output layer: scale * d($L)/dz.\n", loss.keyword());
    m.addStatement("$T z = $N", ctx.array(), out.z());
    m.beginControlFlow("for (int j = 0; j < $L; j++)", outputs);
    elementLocals(m);
    String derivative = "(" + act.javaDerivative("zj", "aj", ctx.precision()) + ")";
    m.addStatement("d[j] = scale * ($L)",
        loss.javaElementDelta("zj", "aj", "tj", derivative, ctx.precision()));
    m.endControlFlow();
    return m.build();
  }

  private void elementLocals(MethodSpec.Builder m) {
    m.addStatement("$T zj = z[j]", ctx.scalar());
    m.addStatement("$T aj = a[j]", ctx.scalar());
    m.addStatement("$T tj = t[tOff + j]", ctx.scalar());
  }

  private MethodSpec backward() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("backward")
        .addJavadoc("Back-propagates the output delta through every layer, accumulating "
            + "gradients.\n")
        .addModifiers(Modifier.PRIVATE);
    for (int i = ctx.network().layers().size() - 1; i >= 0; i--) {
      Names.LayerNames n = ctx.names().layer(i);
      m.addStatement("$N()", n.gradient());
      if (i > 0) {
        m.addStatement("$N()", n.backprop());
      }
    }
    return m.build();
  }

  private List<MethodSpec> labelChecks() {
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
  private String targetParameters(MethodSpec.Builder m) {
    if (ce) {
      m.addParameter(TypeName.INT, "label");
      return "label";
    }
    m.addParameter(ctx.array(), "t").addParameter(TypeName.INT, "tOff");
    return "t, tOff";
  }

  private void batchParameters(MethodSpec.Builder m, Targets t) {
    m.addParameter(ctx.array(), "xs");
    if (t == Targets.VALUES) {
      m.addParameter(ctx.array(), "targets");
    } else {
      m.addParameter(ArrayTypeName.of(TypeName.INT), "labels");
    }
    m.addParameter(TypeName.INT, "n");
  }

  private String exampleTarget(Targets t) {
    if (!ce) {
      return "targets, e * TARGET_WIDTH";
    }
    return t == Targets.VALUES ? "(int) targets[e]" : "labels[e]";
  }

  private static String targetsArg(Targets t) {
    return t == Targets.VALUES ? "targets" : "labels";
  }

  private String scale(String n) {
    if (loss.reduction() == Reduction.SUM) {
      return ctx.lit(1);
    }
    return ctx.precision().cast("LOSS_SCALE / " + n);
  }

  private FieldSpec array(String name, int size) {
    return FieldSpec.builder(ctx.array(), name, Modifier.PRIVATE, Modifier.FINAL)
        .initializer("new $T[$L]", ctx.scalar(), size)
        .build();
  }
}
