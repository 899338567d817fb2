package dev.netc.interp;

import dev.netc.ir.Dense;
import dev.netc.ir.Precision;

/**
 * A dense layer in the interpreter: z_j = ((w_j0 a_0 + w_j1 a_1) + …) + b_j, every operation
 * rounded to the network's precision; backward sums run over the layer's outputs in index order.
 */
final class DenseRun implements LayerRun {
  private final Precision p;
  private final int in;
  private final int out;
  private final int weightOffset;
  private final int biasOffset;

  DenseRun(Dense layer, int offset, Precision p) {
    this.p = p;
    this.in = layer.inSize();
    this.out = layer.outSize();
    this.weightOffset = offset;
    this.biasOffset = offset + layer.weightCount();
  }

  @Override
  public void forward(double[] params, double[] x, double[] z) {
    for (int j = 0; j < out; j++) {
      int row = weightOffset + j * in;
      double s = 0;
      for (int k = 0; k < in; k++) {
        s = p.round(s + p.round(params[row + k] * x[k]));
      }
      z[j] = p.round(s + params[biasOffset + j]);
    }
  }

  @Override
  public void backward(double[] params, double[] x, double[] delta, double[] grad,
      double[] inDelta) {
    for (int j = 0; j < out; j++) {
      double d = delta[j];
      int row = weightOffset + j * in;
      for (int k = 0; k < in; k++) {
        grad[row + k] = p.round(grad[row + k] + p.round(d * x[k]));
      }
      grad[biasOffset + j] = p.round(grad[biasOffset + j] + d);
    }
    if (inDelta == null) {
      return;
    }
    // Wᵀ δ
    for (int k = 0; k < in; k++) {
      double s = 0;
      for (int j = 0; j < out; j++) {
        s = p.round(s + p.round(params[weightOffset + j * in + k] * delta[j]));
      }
      inDelta[k] = s;
    }
  }
}
