package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import java.util.List;

/**
 * How a backend computes one conv2d layer's arithmetic for one example, inside the methods of
 * {@link Conv2dEmitter} (which adds the activation and σ' of the previous layer), the bias
 * gradient's sums per channel included: im2col and GEMMs either way, as rows shaped for C2 ({@link ScalarConv}) or as
 * register-tiled Vector API kernels ({@link VectorConv}). A direct convolution (the first
 * version) was slower on every layer measured, on both backends (docs/performance.md).
 */
interface ConvKernels {

  /** Scratch buffers of the layer, allocated once per instance; possibly none. */
  List<FieldSpec> fields();

  /** {@code z = W * x + b} over the locals {@code w, b, x, z}. */
  void forward(CodeBlock.Builder c);

  /**
   * True if {@link #forward} also writes the activations (the local {@code a}), exactly as the
   * interpreter computes them; otherwise the emitter adds the activation pass.
   */
  default boolean activates() {
    return false;
  }

  /**
   * True if predict runs its own forward pass ({@link #predictForward}) instead of {@link
   * #forward}, whose buffers training needs.
   */
  default boolean predictsInPlace() {
    return false;
  }

  /** The forward pass of predict, when {@link #predictsInPlace}: as {@link #forward}. */
  default void predictForward(CodeBlock.Builder c) {
    throw new UnsupportedOperationException("no forward pass of predict's own");
  }

  /**
   * Where {@link #predictForward} can run in parts over a team ({@link PredictSplit}), each
   * part output channels from a multiple of this; 0 where it cannot. Such a pass writes the
   * activations in its kernels ({@link #activates}), and is {@link #predictPrologue} (on one
   * thread) then {@link #predictChannels} (over all channels, or a part's).
   */
  default int predictPartAlign() {
    return 0;
  }

  /**
   * The part of {@link #predictForward} that every part reads, over the local {@code x}: from
   * the input channels from {@code first} to before {@code end} (expressions), so that the
   * parts of the layer before can each make their channels' share.
   */
  default void predictPrologue(CodeBlock.Builder c, String first, String end) {
    throw new UnsupportedOperationException("predict's pass does not part");
  }

  /**
   * {@link #predictForward} after its {@link #predictPrologue}, over the output channels from
   * {@code first} to before {@code end} (expressions: constants, or a part's locals), over the
   * locals {@code z, a}; the same bits for each channel however the channels are parted.
   */
  default void predictChannels(CodeBlock.Builder c, String first, String end) {
    throw new UnsupportedOperationException("predict's pass does not part");
  }

  /** Adds the correlation of the input with δ to the weight gradient: locals {@code gw, d, x}. */
  void weightGradient(CodeBlock.Builder c);

  /**
   * Adds δ's sum over each of {@code channels} planes of {@code plane} values to the bias
   * gradient, over the locals {@code gb, d}.
   */
  void biasGradient(CodeBlock.Builder c, int channels, int plane);

  /** The previous layer's δ before its σ', over the locals {@code w, d, g}. */
  void inputDelta(CodeBlock.Builder c);

  /**
   * A method that adds gradient sums the kernels keep aside during a batch (per vector lane) to
   * the weight gradient, once per batch before it is read; null when they keep none.
   */
  default MethodSpec settle() {
    return null;
  }

  /**
   * A method that derives from the weights what {@link #inputDelta} reads, once per batch
   * before its examples run ({@link LayerEmitter#prepareBackward}); null when it reads the
   * weights themselves.
   */
  default MethodSpec prepareBackward() {
    return null;
  }

  /** How forward is computed, for its javadoc. */
  String description();
}
