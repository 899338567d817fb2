package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import java.util.Arrays;
import javax.lang.model.element.Modifier;

/**
 * Emits the three per-layer methods: forward (z = W x + b, a = σ(z)), gradient (accumulate
 * dC/dW += δ xᵀ and dC/db += δ) and backprop (δ_prev = (Wᵀ δ) ⊙ σ'_prev). Their shape, unrolled or
 * looped, comes from {@link CodegenPolicy}; activation formulas come from the IR's templates.
 */
final class LayerKernels {
  private final EmitContext ctx;

  LayerKernels(EmitContext ctx) {
    this.ctx = ctx;
  }

  /** The forward method of layer {@code index}: reads the previous activations, writes z and act. */
  MethodSpec forward(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    int in = layer.inSize();
    int out = layer.outSize();
    CodeBlock.Builder c = CodeBlock.builder();
    declare(c, "w", n.weight());
    declare(c, "b", n.bias());
    declare(c, "x", ctx.inputOf(index));
    declare(c, "z", n.z());
    declare(c, "a", n.act());
    Activation act = layer.activation();
    if (ctx.policy().kernel(layer) == CodegenPolicy.Kernel.UNROLLED) {
      for (int o = 0; o < out; o++) {
        CodeBlock.Builder sum = CodeBlock.builder().add("z[$L] = b[$L]", o, o);
        for (int i = 0; i < in; i++) {
          sum.add("$W+ w[$L] * x[$L]", o * in + i, i);
        }
        c.addStatement(sum.build());
        if (act.isElementwise()) {
          c.addStatement("a[$L] = $L", o, act.javaValue("z[" + o + "]", ctx.precision()));
        }
      }
    } else {
      int accs = ctx.policy().accumulatorsFor(in);
      int main = in / accs >= 2 ? in / accs * accs : 0;
      c.beginControlFlow("for (int o = 0; o < $L; o++)", out);
      c.addStatement("int k = o * $L", in);
      for (int s = 0; s < accs; s++) {
        c.addStatement("$T s$L = $L", ctx.scalar(), s, ctx.lit(0));
      }
      if (main > 0) {
        c.beginControlFlow("for (int i = 0; i < $L; i += $L)", main, accs);
        for (int s = 0; s < accs; s++) {
          String off = s == 0 ? "" : " + " + s;
          c.addStatement("s$L += w[k + i$L] * x[i$L]", s, off, off);
        }
        c.endControlFlow();
      }
      for (int i = main; i < in; i++) {
        c.addStatement("s$L += w[k + $L] * x[$L]", (i - main) % accs, i, i);
      }
      c.addStatement("$T v = b[o] + $L", ctx.scalar(), pairwiseSum(0, accs));
      c.addStatement("z[o] = v");
      if (act.isElementwise()) {
        c.addStatement("a[o] = $L", act.javaValue("v", ctx.precision()));
      }
      c.endControlFlow();
    }
    if (!act.isElementwise()) {
      softmax(c, out);
    }
    return MethodSpec.methodBuilder(n.forward())
        .addJavadoc("Layer $L forward: $L inputs, $L outputs, $L, $L.\n",
            Javadoc.escape(layer.name()), in, out, Javadoc.escape(act.describe()),
            kernelDescription(layer))
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }

  /** The method that adds this example's dC/dW and dC/db of layer {@code index} to the sums. */
  MethodSpec gradient(int index) {
    Layer layer = ctx.network().layers().get(index);
    Names.LayerNames n = ctx.names().layer(index);
    int in = layer.inSize();
    int out = layer.outSize();
    CodeBlock.Builder c = CodeBlock.builder();
    declare(c, "gw", n.weightGrad());
    declare(c, "gb", n.biasGrad());
    declare(c, "d", n.delta());
    declare(c, "x", ctx.inputOf(index));
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
      c.beginControlFlow("for (int i = 0; i < $L; i++)", in);
      c.addStatement("gw[k + i] += dk * x[i]");
      c.endControlFlow();
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
    Layer layer = ctx.network().layers().get(index);
    Layer prev = ctx.network().layers().get(index - 1);
    Names.LayerNames n = ctx.names().layer(index);
    Names.LayerNames pn = ctx.names().layer(index - 1);
    int in = layer.inSize();
    int out = layer.outSize();
    Activation pact = prev.activation();
    boolean identity = pact instanceof Activation.Identity;
    CodeBlock.Builder c = CodeBlock.builder();
    declare(c, "w", n.weight());
    declare(c, "d", n.delta());
    declare(c, "g", pn.delta());
    if (!identity) {
      declare(c, "pz", pn.z());
      declare(c, "pa", pn.act());
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
          sum.add(")$W* ($L)", pact.javaDerivative(zi, ai, ctx.precision()));
        }
        c.addStatement(sum.build());
      }
    } else {
      c.addStatement("$T.fill(g, $L)", Arrays.class, ctx.lit(0));
      c.beginControlFlow("for (int o = 0; o < $L; o++)", out);
      c.addStatement("$T dk = d[o]", ctx.scalar());
      c.addStatement("int k = o * $L", in);
      c.beginControlFlow("for (int i = 0; i < $L; i++)", in);
      c.addStatement("g[i] += dk * w[k + i]");
      c.endControlFlow();
      c.endControlFlow();
      if (!identity) {
        c.beginControlFlow("for (int i = 0; i < $L; i++)", in);
        c.addStatement("g[i] *= ($L)", pact.javaDerivative("pz[i]", "pa[i]", ctx.precision()));
        c.endControlFlow();
      }
    }
    return MethodSpec.methodBuilder(n.backprop())
        .addJavadoc("Layer $L: delta of layer $L = (W^T delta) * $L'(z), elementwise.\n",
            Javadoc.escape(layer.name()), Javadoc.escape(prev.name()),
            Javadoc.escape(pact.describe()))
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }

  private void softmax(CodeBlock.Builder c, int out) {
    c.add("// Softmax, shifted by the largest logit so that exp never overflows.\n");
    c.addStatement("$T max = z[0]", ctx.scalar());
    c.beginControlFlow("for (int j = 1; j < $L; j++)", out);
    c.addStatement("max = Math.max(max, z[j])");
    c.endControlFlow();
    c.addStatement("$T sum = $L", ctx.scalar(), ctx.lit(0));
    c.beginControlFlow("for (int j = 0; j < $L; j++)", out);
    c.addStatement("$T e = $L", ctx.scalar(), ctx.precision().cast("Math.exp(z[j] - max)"));
    c.addStatement("a[j] = e");
    c.addStatement("sum += e");
    c.endControlFlow();
    c.beginControlFlow("for (int j = 0; j < $L; j++)", out);
    c.addStatement("a[j] /= sum");
    c.endControlFlow();
  }

  private String kernelDescription(Layer layer) {
    return ctx.policy().kernel(layer) == CodegenPolicy.Kernel.UNROLLED
        ? "fully unrolled"
        : "looped with " + ctx.policy().accumulatorsFor(layer.inSize()) + " accumulators";
  }

  /** (s0 + s1) + (s2 + s3): a balanced tree, so the final sum is not one more serial chain. */
  private static String pairwiseSum(int from, int to) {
    if (to - from == 1) {
      return "s" + from;
    }
    int mid = (from + to + 1) / 2;
    String left = pairwiseSum(from, mid);
    String right = pairwiseSum(mid, to);
    return "(" + left + " + " + right + ")";
  }

  private void declare(CodeBlock.Builder c, String local, String field) {
    c.addStatement("$T $L = $N", ctx.array(), local, field);
  }
}
