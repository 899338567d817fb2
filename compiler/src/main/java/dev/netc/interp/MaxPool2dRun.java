package dev.netc.interp;

import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;
import java.util.Arrays;

/**
 * Max pooling: each output is its window's largest value, the first in row-major window order
 * among equals (PyTorch's rule); backward gives each output's gradient to that input alone,
 * remembered by the forward pass.
 */
final class MaxPool2dRun implements LayerRun {
  private final PoolGrid g;
  /** Input index of each output's maximum, for the example the forward pass saw last. */
  private final int[] argmax;
  private final Precision p;

  MaxPool2dRun(MaxPool2d layer, Precision p) {
    this.g = new PoolGrid(layer.inputShape(), layer.outputShape(), layer.window());
    this.argmax = new int[layer.outSize()];
    this.p = p;
  }

  @Override
  public void forward(double[] params, double[] in, double[] z) {
    for (int c = 0; c < g.out().channels(); c++) {
      for (int y = 0; y < g.out().height(); y++) {
        for (int x = 0; x < g.out().width(); x++) {
          int first = g.first(c, y, x);
          int best = first;
          for (int i = 0; i < g.window().kernelHeight(); i++) {
            for (int j = 0; j < g.window().kernelWidth(); j++) {
              int at = g.at(first, i, j);
              // PyTorch's rule: the first maximum, or the last NaN (a NaN window is NaN).
              if (in[at] > in[best] || Double.isNaN(in[at])) {
                best = at;
              }
            }
          }
          int out = g.output(c, y, x);
          argmax[out] = best;
          z[out] = in[best];
        }
      }
    }
  }

  @Override
  public void backward(double[] params, double[] in, double[] delta, double[] grad,
      double[] inDelta) {
    if (inDelta == null) {
      return;
    }
    Arrays.fill(inDelta, 0, g.inSize(), 0.0);
    // Overlapping windows (stride < kernel) can pick one input twice: the gradients add up.
    for (int out = 0; out < argmax.length; out++) {
      inDelta[argmax[out]] = p.round(inDelta[argmax[out]] + delta[out]);
    }
  }
}
