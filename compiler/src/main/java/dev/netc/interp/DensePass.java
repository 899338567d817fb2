package dev.netc.interp;

import dev.netc.ir.Dense;
import dev.netc.ir.Precision;

/**
 * A dense layer: z_j = ((w_j0 a_0 + w_j1 a_1) + …) + b_j; backward, dL/d(a_k) sums over the
 * layer's units in index order.
 */
final class DensePass implements LayerPass {
  private final int in;
  private final int out;
  private final int weights;
  private final int bias;
  private final Precision p;

  DensePass(Dense layer, int offset, Precision p) {
    this.in = layer.inSize();
    this.out = layer.outSize();
    this.weights = offset;
    this.bias = offset + layer.weightCount();
    this.p = p;
  }

  @Override
  public void forward(double[] params, double[] a, double[] z) {
    for (int j = 0; j < out; j++) {
      int row = weights + j * in;
      double s = 0;
      for (int k = 0; k < in; k++) {
        s = p.round(s + p.round(params[row + k] * a[k]));
      }
      z[j] = p.round(s + params[bias + j]);
    }
  }

  @Override
  public void backward(double[] params, double[] a, double[] dz, double[] grad, double[] dIn) {
    for (int j = 0; j < out; j++) {
      double d = dz[j];
      int row = weights + j * in;
      for (int k = 0; k < in; k++) {
        grad[row + k] = p.round(grad[row + k] + p.round(d * a[k]));
      }
      grad[bias + j] = p.round(grad[bias + j] + d);
    }
    if (dIn == null) {
      return;
    }
    for (int k = 0; k < in; k++) {
      double s = 0;
      for (int j = 0; j < out; j++) {
        s = p.round(s + p.round(params[weights + j * in + k] * dz[j]));
      }
      dIn[k] = s;
    }
  }
}
