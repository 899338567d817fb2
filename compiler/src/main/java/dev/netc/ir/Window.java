package dev.netc.ir;

/**
 * The sliding window of a convolution or pooling layer: kernel size, stride along each axis (the
 * DSL's one stride, or a pool's default stride, the kernel size) and zero padding on each side
 * (pooling layers have none). Output sizes follow
 * {@code nn.Conv2d} and {@code nn.MaxPool2d}: ⌊(H + 2P − K) / S⌋ + 1.
 */
public record Window(
    int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight,
    int padWidth) {

  /** Validates positive kernel sizes and strides, and non-negative padding. */
  public Window {
    if (kernelHeight < 1 || kernelWidth < 1 || strideHeight < 1 || strideWidth < 1
        || padHeight < 0 || padWidth < 0) {
      throw new IllegalArgumentException("bad window " + this);
    }
  }

  /** A window without padding, as pooling layers use. */
  public static Window unpadded(
      int kernelHeight, int kernelWidth, int strideHeight, int strideWidth) {
    return new Window(kernelHeight, kernelWidth, strideHeight, strideWidth, 0, 0);
  }

  /** Output rows for {@code height} input rows; below 1 when the kernel does not fit. */
  public long outHeight(long height) {
    return Math.floorDiv(height + 2L * padHeight - kernelHeight, strideHeight) + 1;
  }

  /** Output columns for {@code width} input columns; below 1 when the kernel does not fit. */
  public long outWidth(long width) {
    return Math.floorDiv(width + 2L * padWidth - kernelWidth, strideWidth) + 1;
  }

  /** True if the window fits the input at least once (a non-empty output). */
  public boolean fits(Shape.Image in) {
    return outHeight(in.height()) >= 1 && outWidth(in.width()) >= 1;
  }

  /** The output shape on {@code in} with {@code channels} output channels. */
  public Shape.Image output(Shape.Image in, int channels) {
    if (!fits(in)) {
      throw new IllegalArgumentException(describe() + " on " + in.describe()
          + " gives an empty output");
    }
    return new Shape.Image(channels, (int) outHeight(in.height()), (int) outWidth(in.width()));
  }

  /** The window as the IR dump writes it, e.g. {@code kernel 3x3, stride 1, padding 1x1}. */
  public String describe() {
    return "kernel " + kernelHeight + "x" + kernelWidth + ", stride "
        + (strideHeight == strideWidth ? "" + strideHeight : strideHeight + "x" + strideWidth)
        + (padHeight == 0 && padWidth == 0 ? "" : ", padding " + padHeight + "x" + padWidth);
  }

  /** Validates a pooling layer's window: unpadded, a valid index, a non-empty output. */
  void checkPool(String name, int index, Shape.Image in) {
    if (index < 0 || padHeight != 0 || padWidth != 0) {
      throw new IllegalArgumentException("bad layer " + name + ": " + this);
    }
    output(in, in.channels());
  }

  /** A pooling layer as the IR dump writes it, e.g. {@code maxpool 1x4x4 -> 1x2x2, kernel …}. */
  String describePool(String keyword, Shape.Image in) {
    return keyword + " " + in.describe() + " -> " + output(in, in.channels()).describe() + ", "
        + describe();
  }
}
