package dev.netc.ir;

import dev.netc.runtime.TensorSpec;
import java.util.List;
import java.util.Objects;

/**
 * A 2-D convolution ({@code nn.Conv2d}, cross-correlation with zero padding) followed by an
 * elementwise activation: z[o, y, x] = b[o] + Σ_{c, i, j} W[o, c, i, j] · in[c, yS − P + i,
 * xS − P + j], the input read as zero outside its bounds.
 *
 * @param name the user's name or the default {@code convN}
 * @param index 0-based position in the network
 * @param inputShape C×H×W of one example's input
 * @param outChannels the number of output channels (filters)
 */
public record Conv2d(
    String name,
    int index,
    Shape.Image inputShape,
    int outChannels,
    Window window,
    Activation activation,
    WeightInit init) implements Layer {

  /** Validates the parts, an elementwise activation and a non-empty output. */
  public Conv2d {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(inputShape, "inputShape");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(init, "init");
    if (index < 0 || outChannels < 1) {
      throw new IllegalArgumentException("bad layer " + name + ": sizes must be >= 1");
    }
    if (!activation.isElementwise()) {
      throw new IllegalArgumentException("conv2d " + name + " cannot use " + activation);
    }
    window.output(inputShape, outChannels);
    int perChannel = Math.multiplyExact(inputShape.channels(),
        Math.multiplyExact(window.kernelHeight(), window.kernelWidth()));
    Math.addExact(Math.multiplyExact(outChannels, perChannel), outChannels);
  }

  @Override
  public Shape.Image outputShape() {
    return window.output(inputShape, outChannels);
  }

  /** Number of input channels. */
  public int inChannels() {
    return inputShape.channels();
  }

  /** Weights per output channel: inChannels × KH × KW. */
  public int kernelSize() {
    return Math.multiplyExact(inputShape.channels(),
        Math.multiplyExact(window.kernelHeight(), window.kernelWidth()));
  }

  /** {@code NAME.weight} [out, in, KH, KW] row-major, then {@code NAME.bias} [out]. */
  @Override
  public List<TensorSpec> parameters(int offset) {
    int[] shape = {outChannels, inChannels(), window.kernelHeight(), window.kernelWidth()};
    return List.of(new TensorSpec(name + ".weight", shape, offset),
        new TensorSpec(name + ".bias", new int[] {outChannels}, offset + weightCount()));
  }

  @Override
  public int weightCount() {
    return outChannels * kernelSize();
  }

  @Override
  public int parameterCount() {
    return weightCount() + outChannels;
  }

  /** Per output value, one per kernel weight (in · KH · KW) and one for the bias. */
  @Override
  public long multiplyAdds() {
    return (long) outputShape().size() * (kernelSize() + 1);
  }

  /** PyTorch's: in · KH · KW. */
  @Override
  public int fanIn() {
    return kernelSize();
  }

  /** PyTorch's: out · KH · KW. */
  @Override
  public int fanOut() {
    return outChannels * window.kernelHeight() * window.kernelWidth();
  }

  @Override
  public String kind() {
    return "conv2d";
  }

  @Override
  public String describe() {
    return kind() + " " + inputShape.describe() + " -> " + outputShape().describe() + ", "
        + window.describe();
  }
}
