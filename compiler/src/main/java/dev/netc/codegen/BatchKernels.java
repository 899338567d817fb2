package dev.netc.codegen;

import com.palantir.javapoet.MethodSpec;
import java.util.List;

/**
 * A backend's per-layer methods of the mini-batch path, each over a chunk of {@code m <= CHUNK}
 * examples in the backend's chunk buffers.
 */
interface BatchKernels {

  /** Layer {@code index}'s batched forward method: z, activations (and σ' when training). */
  MethodSpec forward(int index);

  /** Layer {@code index}'s batched weight-gradient method: ∂W += Δᵀ X, ∂b += Σ Δ. */
  MethodSpec gradient(int index);

  /** Layer {@code index}'s batched back-propagation method ({@code index > 0}). */
  MethodSpec backprop(int index);

  /** Methods the layers' kernels share (emitted once each), asked for after those kernels. */
  default List<MethodSpec> sharedMethods() {
    return List.of();
  }
}
