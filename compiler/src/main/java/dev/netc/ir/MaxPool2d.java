package dev.netc.ir;

import java.util.Objects;

/**
 * Max pooling ({@code nn.MaxPool2d} without padding): each output is the largest value of its
 * window in one channel; of equal values the first in row-major window order wins (PyTorch's
 * rule), and only it receives the gradient.
 *
 * @param name the user's name or the default {@code maxpoolN}
 * @param index 0-based position in the network
 * @param inputShape C×H×W of one example's input
 * @param window the kernel size and stride, without padding
 */
public record MaxPool2d(String name, int index, Shape.Image inputShape, Window window)
    implements ParameterFree {

  /** Validates the parts, an unpadded window and a non-empty output. */
  public MaxPool2d {
    Objects.requireNonNull(name, "name");
    window.checkPool(name, index, inputShape);
  }

  @Override
  public Shape.Image outputShape() {
    return window.output(inputShape, inputShape.channels());
  }

  @Override
  public String kind() {
    return "maxpool";
  }

  @Override
  public String describe() {
    return window.describePool(kind(), inputShape);
  }
}
