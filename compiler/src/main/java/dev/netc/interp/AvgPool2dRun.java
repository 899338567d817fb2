package dev.netc.interp;

import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Precision;
import dev.netc.ir.Window;
import java.util.Arrays;

/**
 * Average pooling: each output is its window's sum (row-major order) divided by the window size;
 * backward spreads each output's gradient, divided by the window size, over its window.
 */
final class AvgPool2dRun implements LayerRun {
  private final int channels;
  private final int inH;
  private final int inW;
  private final int outH;
  private final int outW;
  private final Window w;
  private final double area;
  private final Precision p;

  AvgPool2dRun(AvgPool2d layer, Precision p) {
    this.channels = layer.inputShape().channels();
    this.inH = layer.inputShape().height();
    this.inW = layer.inputShape().width();
    this.outH = layer.outputShape().height();
    this.outW = layer.outputShape().width();
    this.w = layer.window();
    this.area = w.kernelHeight() * w.kernelWidth();
    this.p = p;
  }

  @Override
  public void forward(double[] params, double[] in, double[] z) {
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < outH; y++) {
        for (int x = 0; x < outW; x++) {
          int first = (c * inH + y * w.strideHeight()) * inW + x * w.strideWidth();
          double s = 0;
          for (int i = 0; i < w.kernelHeight(); i++) {
            for (int j = 0; j < w.kernelWidth(); j++) {
              s = p.round(s + in[first + i * inW + j]);
            }
          }
          z[(c * outH + y) * outW + x] = p.round(s / area);
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
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < outH; y++) {
        for (int x = 0; x < outW; x++) {
          int first = (c * inH + y * w.strideHeight()) * inW + x * w.strideWidth();
          double share = p.round(delta[(c * outH + y) * outW + x] / area);
          for (int i = 0; i < w.kernelHeight(); i++) {
            for (int j = 0; j < w.kernelWidth(); j++) {
              int at = first + i * inW + j;
              inDelta[at] = p.round(inDelta[at] + share);
            }
          }
        }
      }
    }
  }
}
