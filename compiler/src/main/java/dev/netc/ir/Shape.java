package dev.netc.ir;

/**
 * The shape of the values one example carries between layers: a vector of N features, or C
 * channels of H×W images (PyTorch's NCHW without the batch dimension). Flattened, an image's
 * values are in C, H, W order, as {@code nn.Flatten} flattens them.
 */
public sealed interface Shape {

  /** Number of values: N, or C·H·W. */
  int size();

  /** The shape as the DSL writes it: {@code 784} or {@code 1x28x28}. */
  String describe();

  /** A vector of {@code length} features. */
  static Shape vector(int length) {
    return new Vector(length);
  }

  /** {@code channels} images of {@code height}×{@code width}. */
  static Shape image(int channels, int height, int width) {
    return new Image(channels, height, width);
  }

  /** A vector of {@code length} features, e.g. the input or output of a dense layer. */
  record Vector(int length) implements Shape {
    /** Validates that the vector is not empty. */
    public Vector {
      if (length < 1) {
        throw new IllegalArgumentException("vector length " + length + " must be >= 1");
      }
    }

    @Override
    public int size() {
      return length;
    }

    @Override
    public String describe() {
      return Integer.toString(length);
    }
  }

  /** C×H×W: {@code channels} feature maps of {@code height} rows and {@code width} columns. */
  record Image(int channels, int height, int width) implements Shape {
    /** Validates that every dimension is positive and the total fits an int. */
    public Image {
      if (channels < 1 || height < 1 || width < 1) {
        throw new IllegalArgumentException(
            "image shape " + channels + "x" + height + "x" + width + " has a dimension < 1");
      }
      Math.multiplyExact(Math.multiplyExact(channels, height), width);
    }

    @Override
    public int size() {
      return channels * height * width;
    }

    @Override
    public String describe() {
      return channels + "x" + height + "x" + width;
    }
  }
}
