package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Optimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * A dense layer's part of the one-example training step ({@link OnlineEmitter}): one pass over
 * its weights, row by row, that back-propagates the delta with the old weights
 * ({@code g += δ_o W_o}), forms the gradient {@code δ_o x} and applies the optimizer's template to
 * each weight and its buffers in place. The loop over a row is the {@link Backend}'s.
 */
final class DenseOnline {
  /** The first layer's pass that also makes the next example's forward pass. */
  static final String UPDATE_AND_FORWARD = "updateFirstAndForward";

  /** Locals of a layer's state buffers, in {@link Optimizer#stateBuffers()} order. */
  static final List<String> WEIGHT_STATE = List.of("wbuf", "wv2");
  private static final List<String> BIAS_STATE = List.of("bbuf", "bv");

  /** Emits the step of one weight, whose old value is {@code array[at]}, in a row loop over i. */
  interface Element {
    /** {@code state}: the arrays of the weight's optimizer buffers, indexed by {@code at}. */
    void emit(String array, String at, List<String> state);
  }

  private final EmitContext ctx;
  private final Optimizer opt;
  private final OptimizerEmitter optimizer;
  private final int buffers;
  private final Backend backend;

  DenseOnline(EmitContext ctx, Backend backend) {
    this.ctx = ctx;
    this.backend = backend;
    this.opt = ctx.network().optimizer();
    this.optimizer = new OptimizerEmitter(ctx);
    this.buffers = opt.stateBuffers().size();
  }

  /** Layer {@code index}'s fused method, taking {@code parameters} (scale, step scalars). */
  MethodSpec method(int index, List<ParameterSpec> parameters) {
    return method(index, parameters, null);
  }

  /**
   * The first layer's fused method that, after updating each weight row of rows {@code from ..
   * to - 1}, multiplies it with the next example in {@code next}: its z, in the order of the
   * layer's forward kernel (one sum per row, then the bias). Rows are independent, so a team's
   * threads may each take some ({@link OnlineEmitter}); the caller then applies the activation
   * ({@link #firstActivation}).
   */
  MethodSpec updateAndForward(List<ParameterSpec> parameters, String next) {
    return method(0, parameters, next);
  }

  /** σ over the first layer's z, as its forward kernel applies it (after updateAndForward). */
  CodeBlock firstActivation() {
    Layer layer = ctx.network().layers().get(0);
    Names.LayerNames n = ctx.names().layer(0);
    int out = layer.outSize();
    CodeBlock.Builder c = CodeBlock.builder().add("{\n").indent();
    ctx.declareArray(c, "z", n.z());
    ctx.declareArray(c, "a", n.act());
    // The backend's range kernel (relu, float tanh in vectors) where it has one, else
    // elementwise.
    c.add(backend.activateRange(layer.activation(), "z", "0", "a", "0", String.valueOf(out),
        out).orElseGet(() -> CodeBlock.builder()
            .beginControlFlow("for (int o = 0; o < $L; o++)", out)
            .addStatement("a[o] = $L", ctx.value(layer.activation(), "z[o]"))
            .endControlFlow()
            .build()));
    return c.unindent().add("}\n").build();
  }

  private MethodSpec method(int index, List<ParameterSpec> parameters, String next) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    int in = layer.inSize();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "w", n.weight());
    ctx.declareArray(c, "b", n.bias());
    ctx.declareArray(c, "d", n.delta());
    ctx.declareArray(c, "x", ctx.inputOf(index));
    boolean forward = next != null;
    if (forward) {
      ctx.declareArray(c, "xn", next);
      ctx.declareArray(c, "z", n.z());
    }
    for (int k = 0; k < buffers; k++) {
      ctx.declareArray(c, WEIGHT_STATE.get(k), optimizer.weightState(index).get(k));
      ctx.declareArray(c, BIAS_STATE.get(k), optimizer.biasState(index).get(k));
    }
    boolean unrolled = ctx.policy().kernel(layer) == CodegenPolicy.Kernel.UNROLLED;
    if (!unrolled) {
      backend.onlineLocals(c, buffers);
    }
    boolean propagate = index > 0;
    if (propagate) {
      ctx.declareArray(c, "g", ctx.names().layer(index - 1).delta());
      c.addStatement("$T.fill(g, $L)", Arrays.class, ctx.lit(0));
    }
    if (forward) {
      c.beginControlFlow("for (int o = from; o < to; o++)");
    } else {
      c.beginControlFlow("for (int o = 0; o < $L; o++)", layer.outSize());
    }
    c.addStatement("$T dk = d[o]", ctx.scalar());
    c.addStatement("$T ds = $L", ctx.scalar(), ctx.precision().cast("dk * scale"));
    c.addStatement("$T wi = b[o]", ctx.scalar());
    c.addStatement("$T gi = ds", ctx.scalar());
    c.add("{\n").indent();
    update(c, "b", "o", BIAS_STATE, false);
    c.unindent().add("}\n");
    c.addStatement("int k = o * $L", in);
    if (forward) {
      c.addStatement("$T zn = $L", ctx.scalar(), ctx.lit(0));
    }
    if (unrolled) {
      // A small layer (at most 32 inputs): the row written out, as its other kernels are.
      for (int i = 0; i < in; i++) {
        c.add("{\n").indent();
        weight(c, "w", "k + " + i, String.valueOf(i), WEIGHT_STATE, propagate, false);
        if (forward) {
          c.addStatement("zn += w[k + $L] * xn[$L]", i, i);
        }
        c.unindent().add("}\n");
      }
    } else {
      backend.onlineRow(c, in, buffers, propagate, forward ? "xn" : null,
          (array, at, state) -> weight(c, array, at, "i", state, propagate, true));
    }
    if (forward) {
      c.addStatement("z[o] = zn + b[o]");
    }
    c.endControlFlow();
    if (propagate) {
      Layer prev = ctx.network().layers().get(index - 1);
      Activation pact = prev.activation();
      if (!(pact instanceof Activation.Identity)) {
        Names.LayerNames pn = ctx.names().layer(index - 1);
        String der = ctx.derivative(pact, "pz[i]", "pa[i]");
        ctx.declareUsed(c, der, "pz", pn.z());
        ctx.declareUsed(c, der, "pa", pn.act());
        DenseKernels.timesDerivative(c, ctx, backend, pact, in);
      }
    }
    String name = forward ? UPDATE_AND_FORWARD : ctx.names().batch(index).online();
    MethodSpec.Builder m = MethodSpec.methodBuilder(name)
        .addJavadoc("Layer $L, one example: $Lgradient and optimizer update fused in one pass "
            + "over the weights$L.\n", Javadoc.escape(layer.name()),
            propagate ? "delta of the previous layer (old weights), " : "",
            forward ? "\nof rows from .. to - 1, then each updated row times the next example "
                + "in {@code " + next + "}:\nits z (the caller applies σ)" : "")
        .addModifiers(Modifier.PRIVATE)
        .addParameters(parameters);
    if (forward) {
      m.addParameter(TypeName.INT, "from").addParameter(TypeName.INT, "to");
    }
    return m.addCode(c.build()).build();
  }

  /**
   * One weight {@code array[at]} of input {@code i}: its share of the previous layer's delta
   * (old weight), its gradient and its optimizer update; {@code looped}: in a loop over the
   * inputs (else written out), where the optimizer's subnormal flush goes without a branch (the
   * scalar backend's batch-1 MLP step ran at 5.3k samples/s against 2.8k with a conditional,
   * AVX-512 Xeon).
   */
  private void weight(CodeBlock.Builder c, String array, String at, String i, List<String> state,
      boolean propagate, boolean looped) {
    c.addStatement("wi = $L[$L]", array, at);
    if (propagate) {
      c.addStatement("g[$L] += dk * wi", i);
    }
    c.addStatement("gi = ds * x[$L]", i);
    update(c, array, at, state, looped);
  }

  /**
   * The optimizer on {@code p[at]}, whose old value is in {@code wi}, with gradient {@code gi}
   * ({@code looped}: in a loop over the elements).
   */
  private void update(CodeBlock.Builder c, String p, String at, List<String> state,
      boolean looped) {
    List<String> elements = new ArrayList<>();
    for (String s : state.subList(0, buffers)) {
      elements.add(s + "[" + at + "]");
    }
    for (String statement : opt.javaUpdate(ctx.scalar().toString(), p + "[" + at + "]",
        elements, null, ctx.precision(), looped)) {
      c.addStatement("$L", statement);
    }
  }
}
