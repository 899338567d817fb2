package dev.netc.interp;

import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;
import dev.netc.ir.Window;
import java.util.Arrays;

/**
 * Max pooling: each output is its window's largest value, the first in row-major window order
 * among equals (PyTorch's rule); backward gives each output's gradient to that input alone,
 * remembered by the forward pass.
 */
final class MaxPool2dRun implements LayerRun {
  private final int channels;
  private final int inH;
  private final int inW;
  private final int outH;
  private final int outW;
  private final Window w;
  /** Input index of each output's maximum, for the example the forward pass saw last. */
  private final int[] argmax;
  private final Precision p;

  MaxPool2dRun(MaxPool2d layer, Precision p) {
    this.p = p;
    this.channels = layer.inputShape().channels();
    this.inH = layer.inputShape().height();
    this.inW = layer.inputShape().width();
    this.outH = layer.outputShape().height();
    this.outW = layer.outputShape().width();
    this.w = layer.window();
    this.argmax = new int[layer.outSize()];
  }

  @Override
  public void forward(double[] params, double[] in, double[] z) {
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < outH; y++) {
        for (int x = 0; x < outW; x++) {
          int first = (c * inH + y * w.strideHeight()) * inW + x * w.strideWidth();
          int best = first;
          for (int i = 0; i < w.kernelHeight(); i++) {
            for (int j = 0; j < w.kernelWidth(); j++) {
              int at = first + i * inW + j;
              if (in[at] > in[best]) {
                best = at;
              }
            }
          }
          int out = (c * outH + y) * outW + x;
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
    Arrays.fill(inDelta, 0, channels * inH * inW, 0.0);
    // Overlapping windows (stride < kernel) can pick one input twice: the gradients add up.
    for (int out = 0; out < argmax.length; out++) {
      inDelta[argmax[out]] = p.round(inDelta[argmax[out]] + delta[out]);
    }
  }
}
