package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.lang.model.element.Modifier;

/**
 * Emits everything a network with a loss adds: gradient buffers, the backward driver, and the
 * public training API, with numeric targets and, for cross_entropy, also int labels. The loss
 * itself comes from {@link LossEmitter}, the optimizer from {@link OptimizerEmitter}.
 *
 * <p>The order of floating-point operations is the interpreter's: per-example gradients are
 * summed unscaled into per-layer buffers, then multiplied once by the reduction's scale rounded to
 * the network's precision (in {@code gradient}, or fused into the optimizer step); losses, output
 * deltas and activation derivatives are evaluated in double and rounded once. So float code
 * reproduces the reference bit for bit, rather than within a tolerance that a relu kink could
 * break.
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
  private final OptimizerStateEmitter optimizerState;
  private final LossEmitter losses;
  private final BatchEmitter batch;
  private final Backend backend;
  private final List<LayerEmitter> layers;
  /** The layers' methods that settle gradient sums kept aside during a batch; often none. */
  private final List<MethodSpec> settles;
  /**
   * The layers' methods that prepare, from the parameters, what their backward kernels read in
   * every example of a batch; often none.
   */
  private final List<MethodSpec> prepares;
  /**
   * Whether one-example steps take the fused online step ({@link OnlineEmitter}): networks with a
   * mini-batch path, and fully connected networks without one (tiny, unrolled ones), whose
   * trainStep otherwise zeroes, accumulates and re-reads every gradient around a few hundred
   * multiply-adds.
   */
  private final boolean online;

  /** {@code batch} is the mini-batch path, or null when the network has none. */
  TrainingEmitter(EmitContext ctx, BatchEmitter batch, Backend backend,
      List<LayerEmitter> layers) {
    this.batch = batch;
    this.backend = backend;
    this.layers = layers;
    this.settles = layers.stream().map(LayerEmitter::settleGradient).filter(Objects::nonNull)
        .toList();
    this.prepares = layers.stream().map(LayerEmitter::prepareBackward)
        .filter(Objects::nonNull).toList();
    this.ctx = ctx;
    this.online = batch != null
        || ctx.network().layers().stream().allMatch(l -> l instanceof Dense);
    this.loss = ctx.network().loss().orElseThrow();
    this.ce = loss instanceof Loss.CrossEntropy;
    this.optimizer = new OptimizerEmitter(ctx);
    this.optimizerState = new OptimizerStateEmitter(ctx, optimizer);
    this.losses = new LossEmitter(ctx);
  }

  /** Constants: target width, loss scale, optimizer hyperparameters. */
  List<FieldSpec> constants() {
    List<FieldSpec> f = new ArrayList<>();
    f.add(FieldSpec.builder(TypeName.INT, "TARGET_WIDTH", Modifier.PUBLIC, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("Target values per example$L.\n", ce ? " (the class index)" : "")
        .initializer("$L", ctx.network().targetWidth())
        .build());
    f.addAll(optimizer.constants());
    f.addAll(optimizerState.constants());
    return f;
  }

  /** Per-layer δ and gradient buffers, then the optimizer state. */
  List<FieldSpec> fields() {
    List<FieldSpec> f = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      f.add(ctx.buffer(n.delta(), l.outSize()));
      if (l.hasParameters()) {
        f.add(ctx.buffer(n.weightGrad(), l.weightCount()));
        f.add(ctx.buffer(n.biasGrad(), l.biasCount()));
      }
    }
    f.addAll(optimizer.fields());
    if (batch != null) {
      f.add(FieldSpec.builder(TypeName.BOOLEAN, "gradientZeroed", Modifier.PRIVATE)
          .addJavadoc("True while every gradient buffer holds zeros (a fused step of {@code "
              + "trainBatch} left them so):\nthe next batch need not zero them.\n")
          .build());
      if (backend.batchKernels().keepsChunkFlags()) {
        f.add(FieldSpec.builder(TypeName.BOOLEAN, "packsGradientInputs", Modifier.PRIVATE)
            .addJavadoc("True while the chunks' forward passes are followed by backward ones: "
                + "they then copy each\nlayer's inputs for its ∂W tiles (packColumns); "
                + "predictions and losses do not.\n")
            .build());
        f.add(FieldSpec.builder(TypeName.BOOLEAN, "gradientFresh", Modifier.PRIVATE)
            .addJavadoc("True during the backward pass of a {@code trainBatch}'s first chunk, "
                + "whose gradient buffers\nstart at zero: the ∂W tiles then store their sums "
                + "instead of adding them.\n")
            .build());
        if (batch.defersGradient()) {
          f.add(FieldSpec.builder(TypeName.BOOLEAN, "gradientDeferred", Modifier.PRIVATE)
              .addJavadoc("True during a {@code trainBatch} of more than one chunk that sums "
                  + "the first layer's ∂W\nover the whole batch in its last chunk (the "
                  + "chunks keep their deltas instead).\n")
              .build());
        }
      }
      if (batch.splits()) {
        f.addAll(batch.splitFields(optimizer));
      }
    }
    if (online) {
      f.addAll(onlineEmitter().fields());
    }
    return f;
  }

  private OnlineEmitter onlineEmitter() {
    return new OnlineEmitter(ctx, optimizer, backend, layers, batch != null && batch.splits());
  }

  /** Per layer, the copy constructor's statements that copy the optimizer state. */
  List<CodeBlock> copyState() {
    return optimizer.copyState();
  }

  /** All training methods that the class calls. */
  List<MethodSpec> methods() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(MethodSpec.methodBuilder("targetWidth").addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC).returns(TypeName.INT)
        .addStatement("return TARGET_WIDTH").build());
    for (Targets t : ce ? List.of(Targets.VALUES, Targets.LABELS) : List.of(Targets.VALUES)) {
      m.add(loss(t));
      m.add(gradient(t, false));
      m.add(gradient(t, true));
      m.add(trainBatch(t));
      m.add(single(t, true));
      m.add(single(t, false));
      m.add(sumGradients(t));
    }
    if (batch != null) {
      m.add(evaluate());
    }
    m.addAll(optimizer.methods(batch != null));
    if (batch != null) {
      m.add(batch.backwardStep(optimizer));
      if (batch.splits()) {
        m.addAll(batch.splitMethods(optimizer));
      }
    }
    m.addAll(optimizerState.methods());
    m.add(losses.lossScale());
    m.add(zeroGradient());
    m.add(scaledCopy(false));
    m.add(scaledCopy(true));
    if (batch == null) {
      m.add(example(true));
    }
    if (batch == null || ce) {
      m.add(example(false));
    }
    if (online) {
      m.add(online());
      m.addAll(onlineEmitter().methods());
    }
    m.add(losses.exampleLoss());
    m.add(losses.outputDelta());
    if (batch == null) {
      m.add(backward(false));
      if (ctx.aligned().trains()) {
        m.add(backward(true));
        m.add(ctx.aligned().trainingMethodSpec(ctx.helpers()));
      }
      m.addAll(settles);
      m.addAll(prepares);
    }
    if (ce) {
      m.addAll(losses.labelChecks());
    }
    return m;
  }

  private MethodSpec loss(Targets t) {
    MethodSpec.Builder m = MethodSpec.methodBuilder("loss")
        .addJavadoc("The loss over a mini-batch with the network's reduction.\n")
        .addModifiers(Modifier.PUBLIC).returns(ctx.scalar());
    if (t == Targets.VALUES) {
      m.addAnnotation(Override.class);
    }
    batchParameters(m, t);
    checks(m, t);
    m.addCode(ctx.settleDeferred());
    m.addStatement("$T total = $L", ctx.scalar(), ctx.lit(0));
    if (batch != null) {
      batch.chunks(m, CodeBlock.of("total += exampleLoss($L);\n", exampleTarget(t)),
          CodeBlock.of(""));
    } else {
      m.beginControlFlow("for (int e = 0; e < n; e++)");
      m.addStatement("total += evalExample(xs, e * INPUT_SIZE, $L)", exampleTarget(t));
      m.endControlFlow();
    }
    m.addStatement("return $L", ctx.precision().cast("total * lossScale(n)"));
    return m.build();
  }

  /**
   * evaluate: loss and predictBatch in one forward pass (the interface's default runs two), for
   * the mini-batch path, where both run the same chunk forward and output row.
   */
  private MethodSpec evaluate() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("evaluate")
        .addJavadoc("The loss over a mini-batch, as loss returns it, and its outputs, as "
            + "predictBatch writes them,\nfrom one forward pass.\n")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC).returns(ctx.scalar());
    batchParameters(m, Targets.VALUES);
    m.addParameter(ctx.array(), "out");
    checks(m, Targets.VALUES);
    m.addStatement("checkBatch(out.length, n, OUTPUT_SIZE, $S)", "output");
    m.addCode(ctx.settleDeferred());
    m.addStatement("$T total = $L", ctx.scalar(), ctx.lit(0));
    batch.chunks(m, CodeBlock.builder()
        .addStatement("$T.arraycopy($N, 0, out, e * OUTPUT_SIZE, OUTPUT_SIZE)", System.class,
            ctx.outputNames().act())
        .addStatement("total += exampleLoss($L)", exampleTarget(Targets.VALUES))
        .build(), CodeBlock.of(""));
    m.addStatement("return $L", ctx.precision().cast("total * lossScale(n)"));
    return m.build();
  }

  private MethodSpec sumGradients(Targets t) {
    MethodSpec.Builder m = MethodSpec.methodBuilder("sumGradients")
        .addJavadoc("Checks the batch, then sums the unscaled per-example gradients into the "
            + "gradient buffers;\nreturns the unscaled loss.\n")
        .addModifiers(Modifier.PRIVATE).returns(ctx.scalar());
    batchParameters(m, t);
    checks(m, t);
    m.addStatement("zeroGradient()");
    m.addStatement("$T total = $L", ctx.scalar(), ctx.lit(0));
    if (batch != null) {
      batch.chunks(m, CodeBlock.builder()
              .addStatement("total += exampleLoss($L)", exampleTarget(t))
              .addStatement("outputDelta($L)", exampleTarget(t))
              .addStatement("storeDelta(s)")
              .build(),
          CodeBlock.of("batchBackward(xs, e0, m);\n"));
    } else {
      boolean aligned = ctx.aligned().trains();
      if (aligned) {
        m.addStatement("boolean aligned = $N(n)", ctx.aligned().trainingMethod());
      }
      prepareCalls(m);
      m.beginControlFlow("for (int e = 0; e < n; e++)");
      m.addStatement("total += trainExample(xs, e * INPUT_SIZE, $L$L)", exampleTarget(t),
          aligned ? ", aligned" : "");
      m.endControlFlow();
      settleCalls(m);
    }
    m.addStatement("return total");
    return m.build();
  }

  private void checks(MethodSpec.Builder m, Targets t) {
    m.addStatement("checkBatch(xs.length, n, INPUT_SIZE, $S)", "input");
    if (t == Targets.VALUES) {
      m.addStatement("checkBatch(targets.length, n, TARGET_WIDTH, $S)", "target");
    } else {
      m.addStatement("checkBatch(labels.length, n, 1, $S)", "label");
    }
    if (ce) {
      m.addStatement("checkLabels($L, n)", t == Targets.VALUES ? "targets" : "labels");
    }
  }

  private MethodSpec gradient(Targets t, boolean add) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(add ? "accumulateGradient" : "gradient")
        .addJavadoc(add
            ? "Adds d(loss)/d(parameters) of a mini-batch, with the network's reduction, to "
                + "{@code grad}\n(in {@link #parameterLayout()} order) and returns the loss; "
                + "use it to sum gradients over\nseveral batches, then apply them with {@link "
                + "#optimizerStep}. Parameters and optimizer state are\nunchanged.\n"
            : "Writes d(loss)/d(parameters) of a mini-batch to {@code grad} in "
                + "{@link #parameterLayout()} order\nand returns the loss; parameters and "
                + "optimizer state are unchanged.\n")
        .addModifiers(Modifier.PUBLIC).returns(ctx.scalar());
    if (t == Targets.VALUES) {
      m.addAnnotation(Override.class);
    }
    batchParameters(m, t);
    m.addParameter(ctx.array(), "grad");
    m.addStatement("checkLength(grad.length, PARAMETER_COUNT, $S)", "gradient");
    m.addCode(ctx.settleDeferred());
    m.addStatement("$T total = sumGradients(xs, $L, n)", ctx.scalar(), targetsArg(t));
    m.addStatement("double scale = lossScale(n)");
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      if (!l.hasParameters()) {
        continue;
      }
      Names.LayerNames n = ctx.names().layer(l.index());
      String helper = add ? "addScaled" : "copyScaled";
      blocks.add(CodeBlock.builder()
          .addStatement("$L($N, grad, $L, $L)", helper, n.weightGrad(),
              ctx.network().weightOffset(l.index()), ctx.precision().cast("scale"))
          .addStatement("$L($N, grad, $L, $L)", helper, n.biasGrad(),
              ctx.network().biasOffset(l.index()), ctx.precision().cast("scale"))
          .build());
    }
    m.addCode(ctx.helpers().perLayer(add ? "accumulateGradient" : "gradient", false,
        List.of(ParameterSpec.builder(ctx.array(), "grad").build(),
            ParameterSpec.builder(TypeName.DOUBLE, "scale").build()), blocks));
    m.addStatement("return $L", ctx.precision().cast("total * scale"));
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
    m.addCode(ctx.aligned().weightsWritten());
    if (online) {
      m.beginControlFlow("if (n == 1)");
      m.addComment("One example: the online step, one pass over each layer's weights.");
      checks(m, t);
      m.addStatement("int e = 0");
      m.addStatement("double scale = lossScale(1)");
      m.addStatement("$T total = trainOnline(xs, 0, $L, scale)", ctx.scalar(), exampleTarget(t));
      m.addStatement("return $L", ctx.precision().cast("total * scale"));
      m.endControlFlow();
    }
    m.addCode(ctx.settleDeferred());
    if (batch == null) {
      m.addStatement("$T total = sumGradients(xs, $L, n)", ctx.scalar(), targetsArg(t));
      m.addStatement("double scale = lossScale(n)");
      m.addStatement("step(scale)");
      m.addStatement("return $L", ctx.precision().cast("total * scale"));
      return m.build();
    }
    // sumGradients then step(scale), with the step fused into the last chunk's backward pass
    // (BatchEmitter.backwardStep): the same operations in the same order.
    checks(m, t);
    m.addStatement("double scale = lossScale(n)");
    optimizer.beginFusedStep(m);
    m.addStatement("zeroGradient()");
    m.addStatement("$T total = $L", ctx.scalar(), ctx.lit(0));
    String stepArgs = optimizer.fusedParameters().stream().skip(1)
        .map(p -> ", " + p.name()).collect(java.util.stream.Collectors.joining());
    CodeBlock perExample = CodeBlock.builder()
        .addStatement("total += exampleLoss($L)", exampleTarget(t))
        .addStatement("outputDelta($L)", exampleTarget(t))
        .addStatement("storeDelta(s)")
        .build();
    if (batch.splits()) {
      // The same step with its phases split over the team's threads: the same bits.
      m.beginControlFlow("if (team != null)");
      batch.splitChunks(m, perExample, optimizer);
      m.addStatement("gradientZeroed = true");
      m.addStatement("return $L", ctx.precision().cast("total * scale"));
      m.endControlFlow();
    }
    boolean fresh = backend.batchKernels().keepsChunkFlags();
    CodeBlock.Builder backward = CodeBlock.builder();
    if (fresh) {
      // zeroGradient() above: the first chunk's sums are the gradient so far.
      backward.addStatement("gradientFresh = e0 == 0");
    }
    backward.beginControlFlow("if (e0 + m < n)")
        .addStatement("batchBackward(xs, e0, m)")
        .nextControlFlow("else")
        .addStatement("batchBackwardStep(xs, e0, m, $L$L)", ctx.precision().cast("scale"),
            stepArgs)
        .endControlFlow();
    if (fresh) {
      backward.addStatement("gradientFresh = false");
    }
    batch.chunks(m, perExample, backward.build(), false, true);
    m.addStatement("gradientZeroed = true");
    m.addStatement("return $L", ctx.precision().cast("total * scale"));
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
    if (train) {
      m.addCode(ctx.aligned().weightsWritten());
    }
    if (!train || !online) {
      m.addCode(ctx.settleDeferred());
    }
    m.addStatement("double scale = lossScale(1)");
    if (train && online) {
      m.addStatement("$T total = trainOnline(x, 0, label, scale)", ctx.scalar());
    } else if (train) {
      m.addStatement("zeroGradient()");
      prepareCalls(m);
      m.addStatement("$T total = trainExample(x, 0, label$L)", ctx.scalar(),
          ctx.aligned().trains() ? ", false" : "");
      settleCalls(m);
      m.addStatement("step(scale)");
    } else {
      m.addStatement("$T total = evalExample(x, 0, label)", ctx.scalar());
    }
    m.addStatement("return $L", ctx.precision().cast("total * scale"));
    return m.build();
  }

  private MethodSpec scaledCopy(boolean add) {
    return MethodSpec.methodBuilder(add ? "addScaled" : "copyScaled")
        .addJavadoc(add ? "dst[off + i] += src[i] * scale.\n" : "dst[off + i] = src[i] * scale.\n")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(ctx.array(), "src").addParameter(ctx.array(), "dst")
        // The scale has the network's precision: JDK 17's C2 does not vectorize a float loop
        // that widens to double and back, which made this copy 13x slower (measured).
        .addParameter(TypeName.INT, "off").addParameter(ctx.scalar(), "scale")
        .beginControlFlow("for (int i = 0; i < src.length; i++)")
        .addStatement("dst[off + i] $L src[i] * scale", add ? "+=" : "=")
        .endControlFlow()
        .build();
  }

  private MethodSpec zeroGradient() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("zeroGradient")
        .addJavadoc("Sets the gradient buffers to zero before a new batch$L.\n",
            batch != null ? " (unless a fused step left them so)" : "")
        .addModifiers(Modifier.PRIVATE);
    if (batch != null) {
      m.beginControlFlow("if (gradientZeroed)");
      m.addStatement("gradientZeroed = false");
      m.addStatement("return");
      m.endControlFlow();
    }
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      if (!l.hasParameters()) {
        continue;
      }
      Names.LayerNames n = ctx.names().layer(l.index());
      blocks.add(CodeBlock.builder()
          .addStatement("$T.fill($N, $L)", Arrays.class, n.weightGrad(), ctx.lit(0))
          .addStatement("$T.fill($N, $L)", Arrays.class, n.biasGrad(), ctx.lit(0))
          .build());
    }
    return m.addCode(ctx.helpers().perLayer("zeroGradient", blocks)).build();
  }

  /**
   * trainExample (forward, loss, δ_L, backward) or evalExample (forward, loss): the per-example
   * path of a class without a mini-batch path (and evalExample for {@code loss(x, label)}).
   */
  private MethodSpec example(boolean train) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(train ? "trainExample" : "evalExample")
        .addJavadoc(train
            ? "Forward and backward pass of one example, adding its unscaled gradient to the "
                + "buffers;\nreturns its unscaled loss.\n"
            : "Forward pass of one example; returns its unscaled loss.\n")
        .addModifiers(Modifier.PRIVATE).returns(ctx.scalar())
        .addParameter(ctx.array(), "xs").addParameter(TypeName.INT, "xOff");
    String target = targetParameters(m);
    boolean aligned = train && ctx.aligned().trains();
    if (aligned) {
      // The batch's weights on 64-byte lines, where it refreshed the copies (AlignedWeights).
      m.addParameter(TypeName.BOOLEAN, "aligned");
    }
    driverCall(m, aligned, "forward", ctx.aligned().trainForwardDriver(), "xs, xOff");
    if (!train) {
      m.addStatement("return exampleLoss($L)", target);
      return m.build();
    }
    m.addStatement("$T total = exampleLoss($L)", ctx.scalar(), target);
    m.addStatement("outputDelta($L)", target);
    driverCall(m, aligned, "backward", ctx.aligned().trainBackwardDriver(), "");
    m.addStatement("return total");
    return m.build();
  }

  /**
   * Calls driver {@code plain} with {@code args}, or with {@code aligned} calls {@code
   * overCopies} instead where the local {@code aligned} is true.
   */
  private static void driverCall(MethodSpec.Builder m, boolean aligned, String plain,
      String overCopies, String args) {
    if (!aligned) {
      m.addStatement("$N($L)", plain, args);
      return;
    }
    m.beginControlFlow("if (aligned)");
    m.addStatement("$N($L)", overCopies, args);
    m.nextControlFlow("else");
    m.addStatement("$N($L)", plain, args);
    m.endControlFlow();
  }

  private MethodSpec online() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("trainOnline")
        .addJavadoc("One optimizer step on the example at {@code xs[xOff]}, its gradient times "
            + "{@code scale}\nfused into the update; returns its unscaled loss.\n")
        .addModifiers(Modifier.PRIVATE).returns(ctx.scalar())
        .addParameter(ctx.array(), "xs").addParameter(TypeName.INT, "xOff");
    String target = targetParameters(m);
    m.addParameter(TypeName.DOUBLE, "scale");
    m.addCode(onlineEmitter().forward("xs", "xOff"));
    m.addStatement("$T total = exampleLoss($L)", ctx.scalar(), target);
    m.addStatement("outputDelta($L)", target);
    m.addStatement("onlineStep(scale)");
    m.addStatement("return total");
    return m.build();
  }

  /**
   * The backward driver, or with {@code aligned} the one that back-propagates through the
   * aligned copies of the weights where a layer has one ({@link AlignedWeights}).
   */
  private MethodSpec backward(boolean aligned) {
    String name = aligned ? ctx.aligned().trainBackwardDriver() : "backward";
    MethodSpec.Builder m = MethodSpec.methodBuilder(name)
        .addJavadoc("Back-propagates the output delta through every layer, accumulating "
            + "gradients$L.\n", aligned ? ", over the aligned copies of the weights where a "
            + "layer has one" : "")
        .addModifiers(Modifier.PRIVATE);
    List<CodeBlock> blocks = new ArrayList<>();
    for (int i = ctx.network().layers().size() - 1; i >= 0; i--) {
      Names.LayerNames n = ctx.names().layer(i);
      CodeBlock.Builder b = CodeBlock.builder().addStatement("$N()", n.gradient());
      if (i > 0) {
        String over = aligned ? ctx.aligned().backpropMethod(i) : null;
        b.addStatement("$N()", over != null ? over : n.backprop());
      }
      blocks.add(b.build());
    }
    return m.addCode(ctx.helpers().perLayer(name, blocks)).build();
  }

  /** Calls of {@link #prepares}, before a batch's examples run, the parameters settled. */
  private void prepareCalls(MethodSpec.Builder m) {
    for (MethodSpec p : prepares) {
      m.addStatement("$N()", p);
    }
  }

  /** Calls of {@link #settles}, where a batch's per-example gradients are complete. */
  private void settleCalls(MethodSpec.Builder m) {
    for (MethodSpec s : settles) {
      m.addStatement("$N()", s);
    }
  }

  private String targetParameters(MethodSpec.Builder m) {
    return losses.targetParameters(m);
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
}
