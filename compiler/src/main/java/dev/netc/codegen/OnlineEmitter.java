package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Optimizer;
import dev.netc.runtime.StepTeam;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Emits the online (one-example) training step, tuned for cache bandwidth: after the forward
 * pass, each layer's weights are walked once, row by row, and that single pass back-propagates
 * the delta with the old weights ({@code g += δ_o W_o}), forms the gradient {@code δ_o x} and
 * applies the optimizer to the weight and its state in place. The gradient buffers are never
 * touched, so per weight the step reads and writes the weight and its optimizer state, nothing
 * else. All of torch.optim's SGD (momentum, Nesterov, weight decay) and Adam are elementwise, so
 * every optimizer fuses.
 *
 * <p>The momentum buffer "starts as the first gradient" without a test in the loops: before the
 * first step the buffers are zeroed, and {@code MOMENTUM * 0 + g} is {@code g}.
 *
 * <p>In a multi-layer perceptron ({@link EmitContext#defersFirstUpdate()}) the first layer's
 * pass is left pending, with the step's scale and scalars, and the next step's forward pass
 * makes it: it updates each weight row and, while the row is in cache, multiplies it with the
 * next example ({@code updateFirstAndForward}). That layer holds most of the weights (the
 * Fashion MLP's 784 × 256 of 235k), which a step otherwise reads from L3 twice, for the
 * update and for the next forward pass. Every other public method first settles the pending
 * update ({@code settleUpdate}), so what a caller can observe is what the step computed,
 * bit for bit: the rows are summed in the forward pass's order.
 *
 * <p>In a class whose steps split over a {@link dev.netc.runtime.StepTeam} ({@link
 * BatchEmitter#splits}), that pass is split too: each of the team's threads updates and
 * multiplies its own rows ({@code onlinePhases}), so a one-example step reads each core's share
 * of the first layer from that core's own L2 (the Fashion MLP's weights and momentum, 1.6 MB,
 * are most of one core's 2 MB). A row's operations do not depend on which thread makes them:
 * the same bits as on one thread.
 */
final class OnlineEmitter {
  /** The method that applies a pending first-layer update. */
  static final String SETTLE = "settleUpdate";
  private static final String PENDING = "deferredUpdate";
  private static final String PENDING_SCALE = "deferredScale";
  private static final String NEXT_INPUT = "nextInput";
  private static final String FORWARD_AFTER_UPDATE = "forwardAfterUpdate";
  private static final String ONLINE_PHASES = "onlinePhases";

  private final EmitContext ctx;
  private final Optimizer opt;
  private final OptimizerEmitter optimizer;
  private final int buffers;
  private final Backend backend;
  private final List<LayerEmitter> layers;
  /** Whether the class has a {@code team} field ({@link BatchEmitter#splits}). */
  private final boolean splits;

  OnlineEmitter(EmitContext ctx, OptimizerEmitter optimizer, Backend backend,
      List<LayerEmitter> layers, boolean splits) {
    this.ctx = ctx;
    this.splits = splits;
    this.backend = backend;
    this.layers = layers;
    this.opt = ctx.network().optimizer();
    this.optimizer = optimizer;
    this.buffers = opt.stateBuffers().size();
  }

  /** The backend's scratch fields of the one-example step, and the pending update's. */
  List<FieldSpec> fields() {
    List<FieldSpec> f = new ArrayList<>(backend.onlineFields(buffers));
    if (ctx.defersFirstUpdate()) {
      f.add(FieldSpec.builder(TypeName.BOOLEAN, PENDING, Modifier.PRIVATE).build());
      f.add(FieldSpec.builder(TypeName.DOUBLE, PENDING_SCALE, Modifier.PRIVATE).build());
      for (ParameterSpec p : optimizer.stepParameters()) {
        f.add(FieldSpec.builder(p.type(), pending(p), Modifier.PRIVATE).build());
      }
      f.add(ctx.buffer(NEXT_INPUT, ctx.network().layers().get(0).inSize()));
      if (splits) {
        int out = ctx.network().layers().get(0).outSize();
        f.add(FieldSpec.builder(ClassName.get(StepTeam.class).nestedClass("Phases"),
                ONLINE_PHASES, Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("The pending first-layer update and next forward pass over the team: "
                + "each part its rows\n(in multiples of $L: parts share at most the cache line "
                + "of z where they meet).\n", VectorBatchKernels.ROW_PART_ALIGN)
            .initializer("(phase, part, parts) -> $N($L, $L)", DenseOnline.UPDATE_AND_FORWARD,
                pendingArguments(), VectorBatchKernels.partRows(ctx, out))
            .build());
      }
    }
    return f;
  }

  /**
   * onlineStep and the per-layer fused methods (from each layer's {@link LayerEmitter}); with a
   * deferred first-layer update, the methods that make it.
   */
  List<MethodSpec> methods() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(step());
    for (LayerEmitter l : layers) {
      m.add(l.online(parameters()));
    }
    if (ctx.defersFirstUpdate()) {
      m.add(settle());
      m.add(forwardAfterUpdate());
      m.add(new DenseOnline(ctx, backend).updateAndForward(parameters(), NEXT_INPUT));
    }
    return m;
  }

  /**
   * The forward pass of a one-example step: {@code forwardAfterUpdate} when the previous step
   * left its first-layer update pending, else {@code forward}.
   */
  CodeBlock forward(String xs, String xOff) {
    if (!ctx.defersFirstUpdate()) {
      return CodeBlock.of("forward($L, $L);\n", xs, xOff);
    }
    return CodeBlock.builder()
        .beginControlFlow("if ($N)", PENDING)
        .addStatement("$N($L, $L)", FORWARD_AFTER_UPDATE, xs, xOff)
        .nextControlFlow("else")
        .addStatement("forward($L, $L)", xs, xOff)
        .endControlFlow()
        .build();
  }

  /** The field that keeps step scalar {@code p} for the pending update. */
  private static String pending(ParameterSpec p) {
    return "deferred" + Character.toUpperCase(p.name().charAt(0)) + p.name().substring(1);
  }

  /** The pending update's arguments: its scale, then its step scalars. */
  private String pendingArguments() {
    List<String> args = new ArrayList<>(List.of(PENDING_SCALE));
    for (ParameterSpec p : optimizer.stepParameters()) {
      args.add(pending(p));
    }
    return String.join(", ", args);
  }

  private MethodSpec settle() {
    return MethodSpec.methodBuilder(SETTLE)
        .addJavadoc("Applies the first layer's update that the last one-example step left "
            + "pending, if any.\n")
        .addModifiers(Modifier.PRIVATE)
        .beginControlFlow("if ($N)", PENDING)
        .addStatement("$N = false", PENDING)
        .addCode(ctx.aligned().weightsWritten())
        .addStatement("$N($L)", ctx.names().batch(0).online(), pendingArguments())
        .endControlFlow()
        .build();
  }

  private MethodSpec forwardAfterUpdate() {
    MethodSpec.Builder m = MethodSpec.methodBuilder(FORWARD_AFTER_UPDATE)
        .addJavadoc("The forward pass of the example at {@code xs[xOff]}, the first layer's "
            + "pending update made\nin the same pass over its weights.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ctx.array(), "xs")
        .addParameter(TypeName.INT, "xOff")
        .addStatement("$T.arraycopy(xs, xOff, $N, 0, INPUT_SIZE)", System.class, NEXT_INPUT)
        .addStatement("$N = false", PENDING);
    CodeBlock alone = CodeBlock.of("$N($L, 0, $L);\n", DenseOnline.UPDATE_AND_FORWARD,
        pendingArguments(), ctx.network().layers().get(0).outSize());
    if (splits) {
      m.beginControlFlow("if (team != null)")
          .addStatement("team.run($N, 0)", ONLINE_PHASES)
          .nextControlFlow("else")
          .addCode(alone)
          .endControlFlow();
    } else {
      m.addCode(alone);
    }
    // The update read the previous example in input; now this one's place, for the later
    // layers' steps and this step's own pending update.
    m.addStatement("$T.arraycopy($N, 0, input, 0, INPUT_SIZE)", System.class, NEXT_INPUT);
    List<CodeBlock> blocks = new ArrayList<>();
    blocks.add(new DenseOnline(ctx, backend).firstActivation());
    for (int i = 1; i < ctx.network().layers().size(); i++) {
      blocks.add(CodeBlock.of("$N();\n", ctx.names().layer(i).forward()));
    }
    return m.addCode(ctx.helpers().perLayer(FORWARD_AFTER_UPDATE, blocks)).build();
  }

  /** The parameters of every per-layer method of the step: the scale and the step scalars. */
  private List<ParameterSpec> parameters() {
    List<ParameterSpec> p = new ArrayList<>();
    p.add(ParameterSpec.builder(TypeName.DOUBLE, "scale").build());
    p.addAll(optimizer.stepParameters());
    return p;
  }

  private MethodSpec step() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("onlineStep")
        .addJavadoc("Back-propagates the current example's output delta and applies the "
            + "optimizer with its gradient\ntimes {@code scale}, layer by layer, in one pass "
            + "over each layer's weights.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.DOUBLE, "scale");
    if (opt.firstStepRule()) {
      m.addComment("torch.optim.SGD's buffer starts as the first gradient: MOMENTUM * 0 + g = g.");
      m.beginControlFlow("if (stepCount == 0)");
      m.addStatement("resetOptimizer()");
      m.endControlFlow();
    }
    optimizer.beginStep(m);
    String args = parameters().stream().map(ParameterSpec::name)
        .collect(java.util.stream.Collectors.joining(", "));
    List<CodeBlock> blocks = new ArrayList<>();
    for (int i = ctx.network().layers().size() - 1; i >= 0; i--) {
      if (i == 0 && ctx.defersFirstUpdate()) {
        // Made by the next step's forward pass, or by settleUpdate.
        CodeBlock.Builder keep = CodeBlock.builder()
            .addStatement("$N = scale", PENDING_SCALE);
        for (ParameterSpec p : optimizer.stepParameters()) {
          keep.addStatement("$N = $N", pending(p), p.name());
        }
        blocks.add(keep.addStatement("$N = true", PENDING).build());
        continue;
      }
      blocks.add(CodeBlock.of("$N($L);\n", ctx.names().batch(i).online(), args));
    }
    return m.addCode(ctx.helpers().perLayer("onlineStep", false, parameters(), blocks)).build();
  }

}
