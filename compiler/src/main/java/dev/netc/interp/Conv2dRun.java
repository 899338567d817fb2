package dev.netc.interp;

import dev.netc.ir.Conv2d;
import dev.netc.ir.Precision;
import dev.netc.ir.Window;
import java.util.Arrays;

/**
 * A 2-D convolution, directly: z[o, y, x] = (Σ over c, i, j in that order of W[o, c, i, j] ·
 * in[c, y·S − P + i, x·S − P + j]) + b[o], positions in the padding skipped (they are zero).
 * Backward scatters each dL/delta into the weight gradient and dL/d(in) in the same order.
 */
final class Conv2dRun implements LayerRun {
  private final int inC;
  private final int inH;
  private final int inW;
  private final int outC;
  private final int outH;
  private final int outW;
  private final Window w;
  private final int weights;
  private final int bias;
  private final Precision p;

  Conv2dRun(Conv2d layer, int offset, Precision p) {
    this.inC = layer.inputShape().channels();
    this.inH = layer.inputShape().height();
    this.inW = layer.inputShape().width();
    this.outC = layer.outChannels();
    this.outH = layer.outputShape().height();
    this.outW = layer.outputShape().width();
    this.w = layer.window();
    this.weights = offset;
    this.bias = offset + layer.weightCount();
    this.p = p;
  }

  @Override
  public void forward(double[] params, double[] in, double[] z) {
    int kh = w.kernelHeight();
    int kw = w.kernelWidth();
    for (int o = 0; o < outC; o++) {
      for (int y = 0; y < outH; y++) {
        for (int x = 0; x < outW; x++) {
          int top = y * w.strideHeight() - w.padHeight();
          int left = x * w.strideWidth() - w.padWidth();
          double s = 0;
          for (int c = 0; c < inC; c++) {
            int kernel = weights + (o * inC + c) * kh * kw;
            for (int i = 0; i < kh; i++) {
              int row = top + i;
              if (row < 0 || row >= inH) {
                continue;
              }
              for (int j = 0; j < kw; j++) {
                int col = left + j;
                if (col >= 0 && col < inW) {
                  s = p.round(s + p.round(params[kernel + i * kw + j]
                      * in[(c * inH + row) * inW + col]));
                }
              }
            }
          }
          z[(o * outH + y) * outW + x] = p.round(s + params[bias + o]);
        }
      }
    }
  }

  @Override
  public void backward(double[] params, double[] in, double[] delta, double[] grad,
      double[] inDelta) {
    int kh = w.kernelHeight();
    int kw = w.kernelWidth();
    if (inDelta != null) {
      Arrays.fill(inDelta, 0, inC * inH * inW, 0.0);
    }
    for (int o = 0; o < outC; o++) {
      for (int y = 0; y < outH; y++) {
        for (int x = 0; x < outW; x++) {
          double d = delta[(o * outH + y) * outW + x];
          grad[bias + o] = p.round(grad[bias + o] + d);
          int top = y * w.strideHeight() - w.padHeight();
          int left = x * w.strideWidth() - w.padWidth();
          for (int c = 0; c < inC; c++) {
            int kernel = weights + (o * inC + c) * kh * kw;
            for (int i = 0; i < kh; i++) {
              int row = top + i;
              if (row < 0 || row >= inH) {
                continue;
              }
              for (int j = 0; j < kw; j++) {
                int col = left + j;
                if (col < 0 || col >= inW) {
                  continue;
                }
                int at = (c * inH + row) * inW + col;
                int wi = kernel + i * kw + j;
                grad[wi] = p.round(grad[wi] + p.round(d * in[at]));
                if (inDelta != null) {
                  inDelta[at] = p.round(inDelta[at] + p.round(params[wi] * d));
                }
              }
            }
          }
        }
      }
    }
  }
}
