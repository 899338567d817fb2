package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Optimizer;
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
 */
final class OnlineEmitter {
  private final EmitContext ctx;
  private final Optimizer opt;
  private final OptimizerEmitter optimizer;
  private final int buffers;
  private final Backend backend;
  private final List<LayerEmitter> layers;

  OnlineEmitter(EmitContext ctx, OptimizerEmitter optimizer, Backend backend,
      List<LayerEmitter> layers) {
    this.ctx = ctx;
    this.backend = backend;
    this.layers = layers;
    this.opt = ctx.network().optimizer();
    this.optimizer = optimizer;
    this.buffers = opt.stateBuffers().size();
  }

  /** The backend's scratch fields of the one-example step. */
  List<FieldSpec> fields() {
    return backend.onlineFields(buffers);
  }

  /** onlineStep and the per-layer fused methods (from each layer's {@link LayerEmitter}). */
  List<MethodSpec> methods() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(step());
    for (LayerEmitter l : layers) {
      m.add(l.online(parameters()));
    }
    return m;
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
      blocks.add(CodeBlock.of("$N($L);\n", ctx.names().batch(i).online(), args));
    }
    return m.addCode(ctx.helpers().perLayer("onlineStep", false, parameters(), blocks)).build();
  }

}
