package dev.netc.ir;

import java.util.Objects;

/**
 * Average pooling ({@code nn.AvgPool2d} without padding): each output is the mean of its window
 * in one channel, and spreads its gradient equally over the window.
 *
 * @param name the user's name or the default {@code avgpoolN}
 * @param index 0-based position in the network
 * @param inputShape C×H×W of one example's input
 * @param window the kernel size and stride, without padding
 */
public record AvgPool2d(String name, int index, Shape.Image inputShape, Window window)
    implements ParameterFree {

  /** Validates the parts, an unpadded window and a non-empty output. */
  public AvgPool2d {
    Objects.requireNonNull(name, "name");
    window.checkPool(name, index, inputShape);
  }

  @Override
  public Shape.Image outputShape() {
    return window.output(inputShape, inputShape.channels());
  }

  @Override
  public String kind() {
    return "avgpool";
  }

  @Override
  public String describe() {
    return window.describePool(kind(), inputShape);
  }
}
