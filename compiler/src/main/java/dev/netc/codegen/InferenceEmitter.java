package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * Emits what every network has: sizes, the parameter layout and get/set, {@code predict},
 * {@code predictBatch}, the forward driver (and predict's own, where a layer has a forward for
 * predict alone), and the cheap argument checks.
 */
final class InferenceEmitter {
  private final EmitContext ctx;
  private final BatchEmitter batch;
  /** Per layer index, the forward predict runs instead of forward, where a layer has one. */
  private final Map<Integer, MethodSpec> predictForwards;
  /**
   * True if some layer's predict runs a forward of its own, or splits over the team: predict
   * then has its driver.
   */
  private final boolean predictDriver;
  /** predict's large layers over the class's team, where it has one. */
  private final PredictSplit split;

  /**
   * {@code batch} is the mini-batch path, or null when the network has none;
   * {@code predictForwards} maps a layer's index to its {@link LayerEmitter#predictForward}.
   */
  InferenceEmitter(EmitContext ctx, BatchEmitter batch, Map<Integer, MethodSpec> predictForwards,
      PredictSplit split) {
    this.ctx = ctx;
    this.batch = batch;
    this.predictForwards = Map.copyOf(predictForwards);
    this.split = split;
    this.predictDriver = !predictForwards.isEmpty() || split.any();
  }

  /** The methods, in source order. */
  List<MethodSpec> methods() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(getter("inputSize", TypeName.INT, "INPUT_SIZE"));
    m.add(getter("outputSize", TypeName.INT, "OUTPUT_SIZE"));
    m.add(getter("parameterCount", TypeName.INT, "PARAMETER_COUNT"));
    m.add(getter("parameterLayout", ParameterizedTypeName.get(List.class, TensorSpec.class),
        "LAYOUT"));
    m.add(parameters(true));
    m.add(parameters(false));
    m.add(predict());
    m.add(predictAllocating());
    m.add(predictBatch());
    m.add(forward("forward", false, false));
    if (predictDriver) {
      m.add(forward(PREDICT_FORWARD, true, false));
    }
    if (ctx.aligned().any()) {
      m.add(forward(ctx.aligned().forwardDriver(), true, true));
      m.add(ctx.aligned().readyMethodSpec(ctx.helpers()));
    }
    if (ctx.aligned().trains()) {
      m.add(forward(ctx.aligned().trainForwardDriver(), false, true));
    }
    m.add(checkLength());
    m.add(checkBatch());
    return m;
  }

  private static MethodSpec getter(String name, TypeName type, String constant) {
    return MethodSpec.methodBuilder(name)
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(type)
        .addStatement("return $L", constant)
        .build();
  }

  private MethodSpec parameters(boolean get) {
    Network net = ctx.network();
    String arg = get ? "dst" : "src";
    MethodSpec.Builder m = MethodSpec.methodBuilder(get ? "getParameters" : "setParameters")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .addParameter(ctx.array(), arg)
        .addStatement("checkLength($N.length, PARAMETER_COUNT, $S)", arg, "parameter")
        .addCode(ctx.settleDeferred());
    if (!get) {
      m.addComment("Optimizer state is kept: call resetOptimizer() to start training afresh.");
      m.addCode(ctx.aligned().weightsWritten());
    }
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : net.layers()) {
      if (!l.hasParameters()) {
        continue;
      }
      Names.LayerNames n = ctx.names().layer(l.index());
      CodeBlock.Builder c = CodeBlock.builder();
      copy(c, get, n.weight(), net.weightOffset(l.index()), l.weightCount());
      copy(c, get, n.bias(), net.biasOffset(l.index()), l.biasCount());
      blocks.add(c.build());
    }
    m.addCode(ctx.helpers().perLayer(get ? "getParameters" : "setParameters", false,
        List.of(ParameterSpec.builder(ctx.array(), arg).build()), blocks));
    return m.build();
  }

  private static void copy(CodeBlock.Builder m, boolean get, String field, int offset, int n) {
    if (get) {
      m.addStatement("$T.arraycopy($N, 0, dst, $L, $L)", System.class, field, offset, n);
    } else {
      m.addStatement("$T.arraycopy(src, $L, $N, 0, $L)", System.class, offset, field, n);
    }
  }

  private MethodSpec predict() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("predict")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .addParameter(ctx.array(), "x")
        .addParameter(ctx.array(), "out")
        .addStatement("checkLength(x.length, INPUT_SIZE, $S)", "input")
        .addStatement("checkBatch(out.length, 1, OUTPUT_SIZE, $S)", "output")
        .addCode(ctx.settleDeferred());
    AlignedWeights aligned = ctx.aligned();
    if (aligned.any()) {
      m.addComment("The same kernels over aligned copies of the weights: the same bits, sooner.")
          .beginControlFlow("if ($N())", aligned.readyMethod())
          .addStatement("$N(x, 0)", aligned.forwardDriver())
          .nextControlFlow("else")
          .addStatement("$N(x, 0)", predictForward())
          .endControlFlow();
    } else {
      m.addStatement("$N(x, 0)", predictForward());
    }
    return m.addStatement("$T.arraycopy($N, 0, out, 0, OUTPUT_SIZE)", System.class,
            ctx.outputNames().act())
        .build();
  }

  private MethodSpec predictAllocating() {
    return MethodSpec.methodBuilder("predict")
        .addJavadoc("Convenience form of {@link #predict($T[], $T[])} that allocates the result."
            + "\n", ctx.scalar(), ctx.scalar())
        .addModifiers(Modifier.PUBLIC)
        .returns(ctx.array())
        .addParameter(ctx.array(), "x")
        .addStatement("$T out = new $T[OUTPUT_SIZE]", ctx.array(), ctx.scalar())
        .addStatement("predict(x, out)")
        .addStatement("return out")
        .build();
  }

  private MethodSpec predictBatch() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("predictBatch")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .addParameter(ctx.array(), "xs")
        .addParameter(ctx.array(), "out")
        .addParameter(TypeName.INT, "n")
        .addStatement("checkBatch(xs.length, n, INPUT_SIZE, $S)", "input")
        .addStatement("checkBatch(out.length, n, OUTPUT_SIZE, $S)", "output")
        .addCode(ctx.settleDeferred());
    if (batch != null) {
      batch.chunks(m, CodeBlock.of("$T.arraycopy($N, 0, out, e * OUTPUT_SIZE, OUTPUT_SIZE);\n",
          System.class, ctx.outputNames().act()), CodeBlock.of(""));
      return m.build();
    }
    return m.beginControlFlow("for (int e = 0; e < n; e++)")
        .addStatement("$N(xs, e * INPUT_SIZE)", predictForward())
        .addStatement("$T.arraycopy($N, 0, out, e * OUTPUT_SIZE, OUTPUT_SIZE)", System.class,
            ctx.outputNames().act())
        .endControlFlow()
        .build();
  }

  /** The name of predict's forward driver. */
  private static final String PREDICT_FORWARD = "predictForward";

  /** The forward driver predict runs. */
  private String predictForward() {
    return predictDriver ? PREDICT_FORWARD : "forward";
  }

  /**
   * The forward driver {@code name}: each layer's forward, or with {@code predict} its forward
   * for predict alone where it has one, and with {@code aligned} its forward over the aligned
   * copy of its weights where it has one ({@link AlignedWeights}).
   */
  private MethodSpec forward(String name, boolean predict, boolean aligned) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(name)
        .addJavadoc(aligned && predict
            ? "Forward pass of the example at {@code xs[xOff]} for predict, over the aligned "
                + "copies of the\nweights where a layer has one.\n"
            : aligned
            ? "Forward pass of the example at {@code xs[xOff]} for training, over the aligned "
                + "copies of the\nweights where a layer has one; every layer keeps its z and "
                + "activations.\n"
            : predict
            ? "Forward pass of the example at {@code xs[xOff]} for predict: as forward, without"
                + " what only training reads.\n"
            : "Forward pass of the example at {@code xs[xOff]}; every layer keeps its z "
                + "and activations.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.array(), "xs")
        .addParameter(TypeName.INT, "xOff");
    // Where the first layer splits, predict's parts read the example in place (PredictSplit.call).
    boolean partsReadExample = predict && split.splitsFirst();
    if (!partsReadExample) {
      m.addStatement("$T.arraycopy(xs, xOff, input, 0, INPUT_SIZE)", System.class);
    }
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      MethodSpec own = predict ? predictForwards.get(l.index()) : null;
      String method = own != null ? own.name() : ctx.names().layer(l.index()).forward();
      boolean overCopy = aligned && ctx.aligned().covers(l.index());
      if (overCopy) {
        method = ctx.aligned().forwardMethod(l.index());
      }
      blocks.add(predict ? split.call(l.index(), overCopy, method)
          : CodeBlock.of("$N();\n", method));
    }
    if (partsReadExample) {
      return m.addCode(ctx.helpers().perLayer(name, false,
          List.of(ParameterSpec.builder(ctx.array(), "xs").build(),
              ParameterSpec.builder(TypeName.INT, "xOff").build()), blocks)).build();
    }
    return m.addCode(ctx.helpers().perLayer(name, blocks)).build();
  }

  private static MethodSpec checkLength() {
    return MethodSpec.methodBuilder("checkLength")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(TypeName.INT, "length")
        .addParameter(TypeName.INT, "expected")
        .addParameter(String.class, "what")
        .beginControlFlow("if (length != expected)")
        .addStatement("throw new $T(what + $S + length$W+ $S + expected)",
            IllegalArgumentException.class, " array has length ", ", expected ")
        .endControlFlow()
        .build();
  }

  private static MethodSpec checkBatch() {
    return MethodSpec.methodBuilder("checkBatch")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(TypeName.INT, "length")
        .addParameter(TypeName.INT, "n")
        .addParameter(TypeName.INT, "width")
        .addParameter(String.class, "what")
        .beginControlFlow("if (n < 1)")
        .addStatement("throw new $T($S + n)", IllegalArgumentException.class,
            "batch size must be >= 1, got ")
        .endControlFlow()
        .beginControlFlow("if (length < (long) n * width)")
        .addStatement("throw new $T(what + $S + length$W+ $S + n + $S + width)",
            IllegalArgumentException.class, " array has length ", ", too short for ",
            " examples of ")
        .endControlFlow()
        .build();
  }
}
