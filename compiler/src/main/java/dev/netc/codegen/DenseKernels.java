package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * Emits a dense layer's three per-example methods: forward (z = W x + b, a = σ(z)), gradient (accumulate
 * dC/dW += δ xᵀ and dC/db += δ) and backprop (δ_prev = (Wᵀ δ) ⊙ σ'_prev). Their shape, unrolled or
 * looped, comes from {@link CodegenPolicy}; activation formulas come from the IR's templates.
 */
final class DenseKernels {
  private final EmitContext ctx;
  private final Backend backend;

  DenseKernels(EmitContext ctx, Backend backend) {
    this.ctx = ctx;
    this.backend = backend;
  }

  /** The forward method of layer {@code index}: reads the previous activations, writes z, act. */
  MethodSpec forward(int index) {
    return forward(index, false);
  }

  /**
   * The forward method of layer {@code index}, or with {@code aligned} the one that reads the
   * aligned copy of the weights from its start ({@link AlignedWeights}: predict's, and a
   * per-example class's training over long batches).
   */
  MethodSpec forward(int index, boolean aligned) {
    return forward(index, aligned, null);
  }

  /**
   * Layer {@code index}'s forward pass over rows {@code from .. to - 1}, named {@code name}: of
   * the input at {@code x[xOff]}, with the weights' rows from {@code w[ws]} (the weights
   * themselves or their aligned copy, {@link AlignedWeights}). A team thread's part ({@link
   * PredictSplit}), which writes z, and σ only where the whole pass applies it row by row ({@link
   * Backend#forwardRowRange}); a looped layer with an elementwise σ only.
   */
  MethodSpec forwardRowRange(int index, String name) {
    return forward(index, false, name);
  }

  /** The whole forward method, or with a {@code rangeName} the one over rows from .. to - 1. */
  private MethodSpec forward(int index, boolean aligned, String rangeName) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    int in = layer.inSize();
    int out = layer.outSize();
    boolean ranged = rangeName != null;
    CodeBlock.Builder c = CodeBlock.builder();
    // A part's weights, input and rows are its parameters.
    String weightBase = ranged ? "ws + " : declareWeights(c, index, aligned);
    ctx.declareArray(c, "b", n.bias());
    if (!ranged) {
      ctx.declareArray(c, "x", ctx.inputOf(index));
    }
    ctx.declareArray(c, "z", n.z());
    ctx.declareArray(c, "a", n.act());
    Activation act = layer.activation();
    boolean unrolled = ctx.policy().kernel(layer) == CodegenPolicy.Kernel.UNROLLED;
    if (ranged && (unrolled || !act.isElementwise())) {
      throw new IllegalArgumentException("layer " + layer.name() + " has no forward by rows");
    }
    if (unrolled) {
      Optional<CodeBlock> range = backend.activateRange(act, "z", "0", "a", "0",
          String.valueOf(out), out);
      for (int o = 0; o < out; o++) {
        CodeBlock.Builder sum = CodeBlock.builder().add("z[$L] =", o);
        for (int i = 0; i < in; i++) {
          sum.add(i == 0 ? " w[$L] * x[$L]" : "$W+ w[$L] * x[$L]", o * in + i, i);
        }
        c.addStatement(sum.add("$W+ b[$L]", o).build());
        if (act.isElementwise() && range.isEmpty()) {
          c.addStatement("a[$L] = $L", o, ctx.value(act, "z[" + o + "]"));
        }
      }
      range.ifPresent(c::add);
    } else if (ranged) {
      backend.forwardRowRange(c, layer, weightBase);
    } else {
      backend.forwardRows(c, layer, weightBase);
    }
    if (!act.isElementwise()) {
      softmax(c, out);
    }
    String name = ranged ? rangeName
        : aligned ? ctx.aligned().forwardMethod(index) : n.forward();
    MethodSpec.Builder m = MethodSpec.methodBuilder(name)
        .addJavadoc("Layer $L forward$L$L: $L inputs, $L outputs, $L, $L.\n",
            Javadoc.escape(layer.name()),
            aligned ? " over the aligned copy of the weights" : "",
            ranged ? ", rows from .. to - 1 of the input at x[xOff], weights from w[ws]" : "",
            in, out,
            Javadoc.escape(act.describe()), kernelDescription(layer))
        .addModifiers(Modifier.PRIVATE);
    if (ranged) {
      m.addParameter(ctx.array(), "w").addParameter(TypeName.INT, "ws")
          .addParameter(ctx.array(), "x").addParameter(TypeName.INT, "xOff")
          .addParameter(TypeName.INT, "from").addParameter(TypeName.INT, "to");
    }
    return m.addCode(c.build()).build();
  }

  /**
   * {@code g[i] *= σ'(pz[i])} for the {@code in} values of the locals g, pz (and pa, where σ'
   * reads it): the backend's pass where it has one ({@link Backend#timesDerivativeRange}), else
   * a loop value by value. The one-example backward passes ({@code backprop} here, {@link
   * DenseOnline}) share it.
   */
  static void timesDerivative(CodeBlock.Builder c, EmitContext ctx, Backend backend,
      Activation pact, int in) {
    backend.timesDerivativeRange(pact, "g", "pz", in).ifPresentOrElse(c::add, () -> {
      c.beginControlFlow("for (int i = 0; i < $L; i++)", in);
      c.addStatement("g[i] *= $L", ctx.derivative(pact, "pz[i]", "pa[i]"));
      c.endControlFlow();
    });
  }

  /**
   * Declares the local {@code w}: layer {@code index}'s weights, or with {@code aligned} their
   * aligned copy and its start {@code ws}; returns the base of the rows in {@code w} for the
   * backend ({@code ""} or {@code "ws + "}).
   */
  private String declareWeights(CodeBlock.Builder c, int index, boolean aligned) {
    if (!aligned) {
      ctx.declareArray(c, "w", ctx.names().layer(index).weight());
      return "";
    }
    ctx.declareArray(c, "w", ctx.aligned().copy(index));
    c.addStatement("int ws = $N", ctx.aligned().start(index));
    return "ws + ";
  }

  /** The method that adds this example's dC/dW and dC/db of layer {@code index} to the sums. */
  MethodSpec gradient(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    int in = layer.inSize();
    int out = layer.outSize();
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "gw", n.weightGrad());
    ctx.declareArray(c, "gb", n.biasGrad());
    ctx.declareArray(c, "d", n.delta());
    ctx.declareArray(c, "x", ctx.inputOf(index));
    if (ctx.policy().kernel(layer) == CodegenPolicy.Kernel.UNROLLED) {
      for (int o = 0; o < out; o++) {
        c.addStatement("gb[$L] += d[$L]", o, o);
        for (int i = 0; i < in; i++) {
          c.addStatement("gw[$L] += d[$L] * x[$L]", o * in + i, o, i);
        }
      }
    } else {
      c.beginControlFlow("for (int o = 0; o < $L; o++)", out);
      c.addStatement("$T dk = d[o]", ctx.scalar());
      c.addStatement("gb[o] += dk");
      c.addStatement("int k = o * $L", in);
      backend.axpy(c, in, "gw", "k", "dk", "x", "");
      c.endControlFlow();
    }
    return MethodSpec.methodBuilder(n.gradient())
        .addJavadoc("Layer $L: adds delta * x^T to the weight gradient, delta to the bias "
            + "gradient.\n", Javadoc.escape(layer.name()))
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }

  /** The method that computes the previous layer's δ from layer {@code index} (index ≥ 1). */
  MethodSpec backprop(int index) {
    return backprop(index, false);
  }

  /**
   * The method that computes the previous layer's δ from layer {@code index} (index ≥ 1), or
   * with {@code aligned} per-example training's, which reads the aligned copy of the weights
   * from its start ({@link AlignedWeights}).
   */
  MethodSpec backprop(int index, boolean aligned) {
    Layer layer = ctx.network().layers().get(index);
    Layer prev = ctx.network().layers().get(index - 1);
    Names.LayerNames n = ctx.names().layer(index);
    Names.LayerNames pn = ctx.names().layer(index - 1);
    int in = layer.inSize();
    int out = layer.outSize();
    Activation pact = prev.activation();
    boolean identity = pact instanceof Activation.Identity;
    CodeBlock.Builder c = CodeBlock.builder();
    String weightBase = declareWeights(c, index, aligned);
    ctx.declareArray(c, "d", n.delta());
    ctx.declareArray(c, "g", pn.delta());
    if (!identity) {
      String der = ctx.derivative(pact, "pz[0]", "pa[0]");
      ctx.declareUsed(c, der, "pz", pn.z());
      ctx.declareUsed(c, der, "pa", pn.act());
    }
    if (ctx.policy().kernel(layer) == CodegenPolicy.Kernel.UNROLLED) {
      for (int i = 0; i < in; i++) {
        CodeBlock.Builder sum = CodeBlock.builder().add("g[$L] = ", i);
        if (!identity) {
          sum.add("(");
        }
        for (int o = 0; o < out; o++) {
          sum.add(o == 0 ? "w[$L] * d[$L]" : "$W+ w[$L] * d[$L]", o * in + i, o);
        }
        if (!identity) {
          String zi = "pz[" + i + "]";
          String ai = "pa[" + i + "]";
          sum.add(")$W* ($L)", ctx.derivative(pact, zi, ai));
        }
        c.addStatement(sum.build());
      }
    } else {
      backend.deltaRows(c, in, out, weightBase);
      if (!identity) {
        timesDerivative(c, ctx, backend, pact, in);
      }
    }
    return MethodSpec.methodBuilder(aligned ? ctx.aligned().backpropMethod(index) : n.backprop())
        .addJavadoc("Layer $L: delta of layer $L = (W^T delta) * $L'(z), elementwise$L.\n",
            Javadoc.escape(layer.name()), Javadoc.escape(prev.name()),
            Javadoc.escape(pact.describe()),
            aligned ? ", over the aligned copy of the weights" : "")
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }

  /**
   * Softmax of the locals z into a, over {@code out} outputs. Each exponential is computed once
   * (into the {@code softmaxExp} scratch), and the shift and the sum are kept in fields for the
   * example's cross-entropy (log-sum-exp), which so costs one logarithm and no exponential.
   */
  void softmax(CodeBlock.Builder c, int out) {
    c.add("// Softmax in double, as the interpreter computes it, shifted by the largest logit.\n");
    c.addStatement("double max = z[0]");
    c.beginControlFlow("for (int j = 1; j < $L; j++)", out);
    c.addStatement("max = Math.max(max, z[j])");
    c.endControlFlow();
    c.addStatement("double[] ex = $N", JavaGenerator.SOFTMAX_EXP);
    c.addStatement("double sum = 0.0");
    c.beginControlFlow("for (int j = 0; j < $L; j++)", out);
    c.addStatement("double ej = Math.exp(z[j] - max)");
    c.addStatement("ex[j] = ej");
    c.addStatement("sum += ej");
    c.endControlFlow();
    c.beginControlFlow("for (int j = 0; j < $L; j++)", out);
    c.addStatement("a[j] = $L", ctx.precision().cast("ex[j] / sum"));
    c.endControlFlow();
    if (JavaGenerator.keepsLogSumExp(ctx.network())) {
      c.addStatement("$N = max", JavaGenerator.SOFTMAX_MAX);
      c.addStatement("$N = sum", JavaGenerator.SOFTMAX_SUM);
    }
  }

  private String kernelDescription(Layer layer) {
    return ctx.policy().kernel(layer) == CodegenPolicy.Kernel.UNROLLED
        ? "fully unrolled"
        : backend.forwardDescription(layer);
  }
}
