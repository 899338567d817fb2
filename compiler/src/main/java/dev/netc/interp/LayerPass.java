package dev.netc.interp;

import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Flatten;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;

/**
 * The interpreter's home of one layer kind: its pre-activation forward pass and its backward pass,
 * on one example, every arithmetic result rounded to the network's precision. The activation is
 * applied (and differentiated) by the {@link Interpreter}, the same for every kind.
 */
sealed interface LayerPass permits DensePass, Conv2dPass, MaxPool2dPass, AvgPool2dPass,
    FlattenPass {

  /** Computes the pre-activation {@code z} of one example from the layer's input {@code in}. */
  void forward(double[] params, double[] in, double[] z);

  /**
   * Backpropagates dL/dz of the example that {@link #forward} saw last: adds the parameter
   * gradients to {@code grad} and, when {@code dIn} is not null, writes dL/d(in) into it.
   */
  void backward(double[] params, double[] in, double[] dz, double[] grad, double[] dIn);

  /** The pass of {@code layer}, whose parameters start at {@code offset}. */
  static LayerPass of(Layer layer, int offset, Precision p) {
    if (layer instanceof Dense d) {
      return new DensePass(d, offset, p);
    } else if (layer instanceof Conv2d c) {
      return new Conv2dPass(c, offset, p);
    } else if (layer instanceof MaxPool2d m) {
      return new MaxPool2dPass(m, p);
    } else if (layer instanceof AvgPool2d a) {
      return new AvgPool2dPass(a, p);
    } else if (layer instanceof Flatten) {
      return new FlattenPass();
    }
    throw new IllegalArgumentException("no interpreter pass for " + layer);
  }
}
