package dev.netc.runtime;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named parameter tensor in a network's flat parameter layout, e.g. {@code hidden1.weight} of
 * shape [out, in] (row-major, like PyTorch's {@code nn.Linear}; a convolution's is [out, in, KH,
 * KW]) starting at {@code offset}.
 */
public record TensorSpec(String name, int[] shape, int offset) {

  /** Validates the spec and copies the shape so the record stays immutable. */
  public TensorSpec {
    Objects.requireNonNull(name, "name");
    shape = shape.clone();
    if (shape.length < 1 || shape.length > 4) {
      throw new IllegalArgumentException("tensor " + name + " must have rank 1 to 4");
    }
    for (int d : shape) {
      if (d < 1) {
        throw new IllegalArgumentException("tensor " + name + " has a dimension < 1");
      }
    }
    if (offset < 0) {
      throw new IllegalArgumentException("tensor " + name + " has a negative offset");
    }
  }

  /** Returns a copy of the shape. */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Number of elements: the product of the shape. */
  public int size() {
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t
        && t.name.equals(name)
        && Arrays.equals(t.shape, shape)
        && t.offset == offset;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, Arrays.hashCode(shape), offset);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape) + "@" + offset;
  }
}
