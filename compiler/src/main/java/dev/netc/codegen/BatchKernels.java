package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
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

  /**
   * The statements that lay out layer {@code index}'s inputs of the chunk ({@code m} examples
   * at {@code x}, batch-major: an array and an offset) as its gradient method reads them, the
   * share of part and parts {@code split}; before that method runs on them. None by default:
   * the gradient method reads x itself.
   */
  default CodeBlock gradientInputs(int index, CodeBlock x, String m, String split) {
    return CodeBlock.of("");
  }

  /**
   * Whether a mini-batch class keeps the two flags its kernels read: {@code packsGradientInputs}
   * (true while each chunk's forward pass is followed by a backward one: the forward then makes
   * {@link #gradientInputs}) and {@code gradientFresh} (true while a {@code trainBatch}'s first
   * chunk runs backward, its gradient buffers zero: the gradient methods then store their sums
   * rather than add them).
   */
  default boolean keepsChunkFlags() {
    return false;
  }

  /**
   * Examples up to which a {@code trainBatch} of more than one chunk defers the first layer's
   * weight gradient to one pass over the whole batch ({@link #deferredGradient}); 0 if it never
   * does.
   */
  default int deferredExamples() {
    return 0;
  }

  /**
   * The first layer's weight gradient over a whole batch of {@code n <= deferredExamples()}
   * examples, from the copies its chunks kept ({@code deferredGradient(x, n)}): the same sums in
   * the same order as the chunks' passes of {@link #gradient} would compute. Only where {@link
   * #deferredExamples} is positive.
   */
  default MethodSpec deferredGradient() {
    throw new UnsupportedOperationException("no deferred gradient");
  }

  /** Layer {@code index}'s batched back-propagation method ({@code index > 0}). */
  MethodSpec backprop(int index);

  /** Methods the layers' kernels share (emitted once each), asked for after those kernels. */
  default List<MethodSpec> sharedMethods() {
    return List.of();
  }
}
