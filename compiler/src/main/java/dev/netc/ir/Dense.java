package dev.netc.ir;

import dev.netc.runtime.TensorSpec;
import java.util.List;
import java.util.Objects;

/**
 * A dense layer ({@code nn.Linear}): z = W a_prev + b, a = σ(z), with W of shape [outSize, inSize]
 * row-major. A C×H×W input is flattened implicitly (C, H, W order), so {@code inSize} is its size.
 *
 * @param name the user's name or the default {@code denseN}
 * @param index 0-based position in the network
 */
public record Dense(
    String name, int index, int inSize, int outSize, Activation activation, WeightInit init)
    implements Layer {

  /** Validates sizes and non-null parts. */
  public Dense {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(init, "init");
    if (index < 0 || inSize < 1 || outSize < 1) {
      throw new IllegalArgumentException("bad layer " + name + ": sizes must be >= 1");
    }
    Math.addExact(Math.multiplyExact(outSize, inSize), outSize);
  }

  @Override
  public String kind() {
    return "dense";
  }

  @Override
  public Shape inputShape() {
    return Shape.vector(inSize);
  }

  @Override
  public Shape outputShape() {
    return Shape.vector(outSize);
  }

  /** Any shape of {@code inSize} values: a C×H×W input is flattened. */
  @Override
  public boolean accepts(Shape input) {
    return input.size() == inSize;
  }

  /** {@code NAME.weight} [out, in] row-major, then {@code NAME.bias} [out]. */
  @Override
  public List<TensorSpec> parameters(int offset) {
    return List.of(new TensorSpec(name + ".weight", new int[] {outSize, inSize}, offset),
        new TensorSpec(name + ".bias", new int[] {outSize}, offset + weightCount()));
  }

  /** Number of weights: outSize × inSize. */
  @Override
  public int weightCount() {
    return outSize * inSize;
  }

  /** One per weight and one per bias: its parameter count. */
  @Override
  public long multiplyAdds() {
    return parameterCount();
  }

  /** Number of parameters: weights plus biases. */
  @Override
  public int parameterCount() {
    return weightCount() + outSize;
  }

  @Override
  public int fanIn() {
    return inSize;
  }

  @Override
  public int fanOut() {
    return outSize;
  }

  @Override
  public String describe() {
    return kind() + " " + inSize + " -> " + outSize;
  }
}
