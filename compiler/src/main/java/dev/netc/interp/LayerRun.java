package dev.netc.interp;

import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Precision;

/**
 * The interpreter's arithmetic of one layer kind, between the activations that {@link Interpreter}
 * applies: z from the input (forward), and the parameter gradient and the input's δ from z's δ
 * (backward). One implementation per {@link Layer} kind.
 */
sealed interface LayerRun permits DenseRun {

  /** The arithmetic of {@code layer}, whose parameters start at {@code offset}. */
  static LayerRun of(Layer layer, int offset, Precision p) {
    // Java 17 has no pattern switch; Layer is sealed, so this case is all.
    return new DenseRun((Dense) layer, offset, p);
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
