package dev.netc.interp;

import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Precision;
import java.util.Arrays;

/**
 * Average pooling: each output is its window's sum (row-major order) divided by the window size;
 * backward spreads each output's gradient, divided by the window size, over its window.
 */
final class AvgPool2dRun implements LayerRun {
  private final PoolGrid g;
  private final double area;
  private final Precision p;

  AvgPool2dRun(AvgPool2d layer, Precision p) {
    this.g = new PoolGrid(layer.inputShape(), layer.outputShape(), layer.window());
    this.area = layer.window().kernelHeight() * layer.window().kernelWidth();
    this.p = p;
  }

  @Override
  public void forward(double[] params, double[] in, double[] z) {
    for (int c = 0; c < g.out().channels(); c++) {
      for (int y = 0; y < g.out().height(); y++) {
        for (int x = 0; x < g.out().width(); x++) {
          int first = g.first(c, y, x);
          double s = 0;
          for (int i = 0; i < g.window().kernelHeight(); i++) {
            for (int j = 0; j < g.window().kernelWidth(); j++) {
              s = p.round(s + in[g.at(first, i, j)]);
            }
          }
          z[g.output(c, y, x)] = p.round(s / area);
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
    for (int c = 0; c < g.out().channels(); c++) {
      for (int y = 0; y < g.out().height(); y++) {
        for (int x = 0; x < g.out().width(); x++) {
          int first = g.first(c, y, x);
          double share = p.round(delta[g.output(c, y, x)] / area);
          for (int i = 0; i < g.window().kernelHeight(); i++) {
            for (int j = 0; j < g.window().kernelWidth(); j++) {
              int at = g.at(first, i, j);
              inDelta[at] = p.round(inDelta[at] + share);
            }
          }
        }
      }
    }
  }
}
