package dev.netc.codegen;

import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import dev.netc.ir.Dense;
import java.util.List;

/**
 * A dense layer's methods: per example from {@link DenseKernels}, per chunk from the backend's
 * {@link BatchKernels}, the one-example step from {@link DenseOnline}.
 */
final class DenseEmitter implements LayerEmitter {
  private final int index;
  private final DenseKernels kernels;
  private final BatchKernels batch;
  private final EmitContext ctx;
  private final Backend backend;

  DenseEmitter(Dense layer, EmitContext ctx, Backend backend) {
    this.index = layer.index();
    this.ctx = ctx;
    this.backend = backend;
    this.kernels = new DenseKernels(ctx, backend);
    this.batch = backend.batchKernels();
  }

  @Override
  public MethodSpec forward() {
    return kernels.forward(index);
  }

  @Override
  public MethodSpec gradient() {
    return kernels.gradient(index);
  }

  @Override
  public MethodSpec backprop() {
    return kernels.backprop(index);
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
