package dev.netc.check;

import dev.netc.ir.Activation;
import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Flatten;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Shape;
import dev.netc.ir.WeightInit;
import dev.netc.ir.Window;
import java.util.Optional;

/**
 * The checked values of one layer statement, before it meets its input shape: what each kind
 * needs of that shape, what it outputs, and the IR layer it lowers to.
 */
sealed interface LayerSpec {

  /**
   * Why the layer cannot take {@code input}, as the end of a sentence that starts with the
   * layer's keyword (e.g. {@code "needs a CxHxW input"}), or empty if it can.
   */
  Optional<String> problem(Shape input);

  /** The output shape on {@code input}, which {@link #problem} accepted. */
  Shape output(Shape input);

  /** Number of output values per example on {@code input}, counted without overflow. */
  long outputValues(Shape input);

  /** Number of parameters on {@code input}, counted without overflow. */
  long parameters(Shape input);

  /** The IR layer on {@code input}. */
  Layer lower(String name, int index, Shape input, Activation activation, WeightInit init);

  /** {@code dense N}. */
  record DenseSpec(int size) implements LayerSpec {
    @Override
    public Optional<String> problem(Shape input) {
      return Optional.empty();
    }

    @Override
    public Shape output(Shape input) {
      return Shape.vector(size);
    }

    @Override
    public long outputValues(Shape input) {
      return size;
    }

    @Override
    public long parameters(Shape input) {
      return (long) size * input.size() + size;
    }

    @Override
    public Layer lower(String name, int index, Shape input, Activation a, WeightInit init) {
      return new Dense(name, index, input.size(), size, a, init);
    }
  }

  /** {@code conv2d N KHxKW (stride, padding)}; {@code same} is already resolved to pixels. */
  record Conv2dSpec(int channels, Window window) implements LayerSpec {
    @Override
    public Optional<String> problem(Shape input) {
      return windowProblem(window, input);
    }

    @Override
    public Shape output(Shape input) {
      return window.output((Shape.Image) input, channels);
    }

    @Override
    public long outputValues(Shape input) {
      return imageValues(window, (Shape.Image) input, channels);
    }

    @Override
    public long parameters(Shape input) {
      long kernel = (long) ((Shape.Image) input).channels() * window.kernelHeight()
          * window.kernelWidth();
      return channels * kernel + channels;
    }

    @Override
    public Layer lower(String name, int index, Shape input, Activation a, WeightInit init) {
      return new Conv2d(name, index, (Shape.Image) input, channels, window, a, init);
    }
  }

  /** {@code maxpool KHxKW (stride)} or {@code avgpool KHxKW (stride)}. */
  record PoolSpec(boolean max, Window window) implements LayerSpec {
    @Override
    public Optional<String> problem(Shape input) {
      return windowProblem(window, input);
    }

    @Override
    public Shape output(Shape input) {
      Shape.Image in = (Shape.Image) input;
      return window.output(in, in.channels());
    }

    @Override
    public long outputValues(Shape input) {
      return imageValues(window, (Shape.Image) input, ((Shape.Image) input).channels());
    }

    @Override
    public long parameters(Shape input) {
      return 0;
    }

    @Override
    public Layer lower(String name, int index, Shape input, Activation a, WeightInit init) {
      Shape.Image in = (Shape.Image) input;
      return max ? new MaxPool2d(name, index, in, window) : new AvgPool2d(name, index, in, window);
    }
  }

  /** {@code flatten}. */
  record FlattenSpec() implements LayerSpec {
    @Override
    public Optional<String> problem(Shape input) {
      return input instanceof Shape.Image ? Optional.empty()
          : Optional.of("needs a CxHxW input to flatten, but its input is already a vector of "
              + input.size());
    }

    @Override
    public Shape output(Shape input) {
      return Shape.vector(input.size());
    }

    @Override
    public long outputValues(Shape input) {
      return input.size();
    }

    @Override
    public long parameters(Shape input) {
      return 0;
    }

    @Override
    public Layer lower(String name, int index, Shape input, Activation a, WeightInit init) {
      return new Flatten(name, index, (Shape.Image) input);
    }
  }

  private static long imageValues(Window w, Shape.Image in, int channels) {
    return channels * w.outHeight(in.height()) * w.outWidth(in.width());
  }

  /** A window on a vector, or one larger than its padded input. */
  private static Optional<String> windowProblem(Window w, Shape input) {
    if (!(input instanceof Shape.Image in)) {
      return Optional.of("needs a CxHxW input, but its input is a vector of " + input.size()
          + " (convolution and pooling come before the dense layers)");
    }
    if (w.fits(in)) {
      return Optional.empty();
    }
    boolean padded = w.padHeight() > 0 || w.padWidth() > 0;
    return Optional.of(w.kernelHeight() + "x" + w.kernelWidth() + " on " + in.height() + "x"
        + in.width() + " input" + (padded ? " padded by " + w.padHeight() + "x" + w.padWidth()
            : "") + " gives an empty output");
  }
}
