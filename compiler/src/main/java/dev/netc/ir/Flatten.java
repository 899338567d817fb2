package dev.netc.ir;

import java.util.Objects;

/**
 * Flatten ({@code nn.Flatten} on NCHW): C×H×W becomes a vector of C·H·W values in C, H, W order.
 * The values do not move, as images are stored in that order already; a dense layer after an
 * image flattens the same way without it.
 *
 * @param name the user's name or the default {@code flattenN}
 * @param index 0-based position in the network
 */
public record Flatten(String name, int index, Shape.Image inputShape) implements ParameterFree {

  /** Validates the parts. */
  public Flatten {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(inputShape, "inputShape");
    if (index < 0) {
      throw new IllegalArgumentException("bad layer " + name + ": index " + index);
    }
  }

  @Override
  public Shape outputShape() {
    return Shape.vector(inputShape.size());
  }

  @Override
  public String kind() {
    return "flatten";
  }

  @Override
  public String describe() {
    return kind() + " " + inputShape.describe() + " -> " + outputShape().describe();
  }
}
