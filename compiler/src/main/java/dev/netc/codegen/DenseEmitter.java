package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Dense;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * A dense layer's methods: per example from {@link DenseKernels}, per chunk from the backend's
 * {@link BatchKernels}, the one-example step from {@link DenseOnline}.
 */
final class DenseEmitter implements LayerEmitter {
  /**
   * Weights from which a class that trains example by example (a CNN's) defers the layer's
   * weight gradient: each example's input and δ are kept, and the batched kernel adds a chunk of
   * them at once, so the gradient (800 KB for the Fashion CNN's 1568×128 layer) is read and
   * written once per chunk instead of once per example. At 16,384 LeNet-5's 120 → 84 layer
   * (10,080 weights, 40 KB of gradient) stayed per example: its gradient and input delta took
   * 1.55 µs per example, deferred 0.8 (Intel Xeon host, docs/performance.md).
   */
  static final int DEFER_MIN_WEIGHTS = 8192;

  private final Dense layer;
  private final int index;
  private final DenseKernels kernels;
  private final BatchKernels batch;
  private final EmitContext ctx;
  private final Backend backend;
  /** Whether the per-example weight gradient is deferred (see {@link #DEFER_MIN_WEIGHTS}). */
  private final boolean deferred;
  private final String keptInputs;
  private final String pending;
  private final String settle;

  DenseEmitter(Dense layer, EmitContext ctx, Backend backend) {
    this.layer = layer;
    this.index = layer.index();
    this.ctx = ctx;
    this.backend = backend;
    this.kernels = new DenseKernels(ctx, backend);
    this.batch = backend.batchKernels();
    CodegenPolicy policy = ctx.policy();
    this.deferred = ctx.trainable() && backend.defersDenseGradients()
        && !policy.batched(ctx.network()) && policy.chunk() > 0
        && policy.kernel(layer) == CodegenPolicy.Kernel.LOOPED
        && layer.weightCount() >= DEFER_MIN_WEIGHTS;
    Names names = ctx.names();
    this.keptInputs = deferred ? names.helper(layer.name() + "KeptInputs") : null;
    this.pending = deferred ? names.helper(layer.name() + "Pending") : null;
    this.settle = deferred ? names.helper(layer.name() + "SettleGradient") : null;
    if (deferred) {
      ctx.helpers().add(batch.gradient(index));
    }
  }

  @Override
  public List<FieldSpec> fields() {
    if (!deferred) {
      return List.of();
    }
    int chunk = ctx.policy().chunk();
    return List.of(
        Javadoc.on(ctx.buffer(keptInputs, chunk * layer.inSize()), "The inputs of layer "
            + layer.name() + " for the examples whose weight gradient is not added yet."),
        Javadoc.on(ctx.buffer(ctx.names().batch(index).delta(), chunk * layer.outSize()),
            "Their deltas."),
        Javadoc.on(ctx.buffer(ctx.names().batch(index).packed(), chunk * layer.inSize()),
            "Their inputs as the batched gradient's tiles read them."),
        FieldSpec.builder(TypeName.INT, pending, Modifier.PRIVATE)
            .addJavadoc("How many examples are kept (fewer than $L).\n", chunk)
            .build());
  }

  @Override
  public MethodSpec settleGradient() {
    if (!deferred) {
      return null;
    }
    return MethodSpec.methodBuilder(settle)
        .addJavadoc("Layer $L: adds the kept examples' weight gradient.\n",
            Javadoc.escape(layer.name()))
        .addModifiers(Modifier.PRIVATE)
        .beginControlFlow("if ($N > 0)", pending)
        .addCode(batch.gradientInputs(index, CodeBlock.of("$N, 0", keptInputs), pending, "0, 1"))
        .addStatement("$N($N, 0, $N$L)", ctx.names().batch(index).gradient(), keptInputs, pending,
            backend.splitCalls().isPresent() ? ", 0, 1" : "")
        .addStatement("$N = 0", pending)
        .endControlFlow()
        .build();
  }

  @Override
  public MethodSpec forward() {
    return kernels.forward(index);
  }

  @Override
  public MethodSpec alignedForward() {
    if (ctx.aligned().columns(index)) {
      return new ColumnPredict(ctx, backend).forward(index);
    }
    return ctx.aligned().covers(index) ? kernels.forward(index, true) : null;
  }

  @Override
  public MethodSpec gradient() {
    if (!deferred) {
      return kernels.gradient(index);
    }
    int in = layer.inSize();
    int out = layer.outSize();
    CodeBlock.Builder c = CodeBlock.builder();
    c.addStatement("int s = $N", pending);
    c.addStatement("$T.arraycopy($N, 0, $N, s * $L, $L)", System.class, ctx.inputOf(index),
        keptInputs, in, in);
    c.addStatement("$T.arraycopy($N, 0, $N, s * $L, $L)", System.class,
        ctx.names().layer(index).delta(), ctx.names().batch(index).delta(), out, out);
    c.addStatement("$N = s + 1", pending);
    c.beginControlFlow("if (s + 1 == $L)", ctx.policy().chunk());
    c.addStatement("$N()", settle);
    c.endControlFlow();
    return MethodSpec.methodBuilder(ctx.names().layer(index).gradient())
        .addJavadoc("Layer $L: keeps this example's input and delta; every $L examples, and "
            + "when the batch ends, the batched\nkernel adds their delta * x^T to the weight "
            + "gradient and delta to the bias gradient.\n", Javadoc.escape(layer.name()),
            ctx.policy().chunk())
        .addModifiers(Modifier.PRIVATE)
        .addCode(c.build())
        .build();
  }

  @Override
  public MethodSpec backprop() {
    return kernels.backprop(index);
  }

  @Override
  public MethodSpec alignedBackprop() {
    return ctx.aligned().backpropMethod(index) != null ? kernels.backprop(index, true) : null;
  }

  @Override
  public MethodSpec batchForward() {
    return batch.forward(index);
  }

  @Override
  public MethodSpec batchGradient() {
    return batch.gradient(index);
  }

  @Override
  public MethodSpec batchBackprop() {
    return batch.backprop(index);
  }

  @Override
  public MethodSpec online(List<ParameterSpec> parameters) {
    return new DenseOnline(ctx, backend).method(index, parameters);
  }
}
