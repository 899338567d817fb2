package dev.netc.interp;

import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Flatten;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;

/**
 * The interpreter's arithmetic of one layer kind, between the activations that {@link Interpreter}
 * applies: z from the input (forward), and the parameter gradient and the input's δ from z's δ
 * (backward). One implementation per {@link Layer} kind.
 */
sealed interface LayerRun permits DenseRun, Conv2dRun, MaxPool2dRun, AvgPool2dRun, FlattenRun {

  /** The arithmetic of {@code layer}, whose parameters start at {@code offset}. */
  static LayerRun of(Layer layer, int offset, Precision p) {
    // Java 17 has no pattern switch; Layer is sealed, so these cases are all.
    if (layer instanceof Dense d) {
      return new DenseRun(d, offset, p);
    } else if (layer instanceof Conv2d c) {
      return new Conv2dRun(c, offset, p);
    } else if (layer instanceof MaxPool2d m) {
      return new MaxPool2dRun(m, p);
    } else if (layer instanceof AvgPool2d a) {
      return new AvgPool2dRun(a, p);
    } else if (layer instanceof Flatten) {
      return new FlattenRun();
    }
    throw new IllegalArgumentException("no interpreter arithmetic for " + layer);
  }

  /** Writes the pre-activation {@code z} of one example from its input {@code in}. */
  void forward(double[] params, double[] in, double[] z);

  /**
   * Adds the gradient of the parameters, given δ = dC/dz of one example and its input {@code in},
   * to {@code grad}; when {@code inDelta} is not null, writes dC/d(in) into it (before the previous
   * layer's σ').
   */
  void backward(double[] params, double[] in, double[] delta, double[] grad, double[] inDelta);
}
