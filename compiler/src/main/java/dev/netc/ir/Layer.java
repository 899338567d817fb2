package dev.netc.ir;

import java.util.Objects;

/**
 * A dense layer: z = W a_prev + b, a = σ(z), with W of shape [outSize, inSize] row-major.
 *
 * @param name the user's name or the default {@code denseN}
 * @param index 0-based position in the network
 */
public record Layer(
    String name, int index, int inSize, int outSize, Activation activation, WeightInit init) {

  /** Validates sizes and non-null parts. */
  public Layer {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(init, "init");
    if (index < 0 || inSize < 1 || outSize < 1) {
      throw new IllegalArgumentException("bad layer " + name + ": sizes must be >= 1");
    }
  }

  /** Number of weights: outSize × inSize. */
  public int weightCount() {
    return Math.multiplyExact(outSize, inSize);
  }

  /** Number of parameters: weights plus biases. */
  public int parameterCount() {
    return Math.addExact(weightCount(), outSize);
  }
}
