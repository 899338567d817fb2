package dev.netc.interp;

import dev.netc.ir.Activation;
import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Network;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.Arrays;
import java.util.List;

/**
 * The loss of a network with image layers, written out again in the plainest way in double and
 * independent of the interpreter's passes (it shares only the activation and loss formulas of the
 * IR). It records where the loss is not smooth: the side of every relu-family kink and the winner
 * of every max-pooling window, and how close the nearest of them is.
 */
final class CnnReference {
  /** The pattern of the last {@link #loss} call: kink sides and max-pool winners, in order. */
  final List<Double> pattern = new java.util.ArrayList<>();
  /** The smallest |z| at a kink or gap between a window's two largest values, last call. */
  double margin;

  private final Network net;

  CnnReference(Network net) {
    this.net = net;
  }

  /** The reduced loss of the batch for {@code params}. */
  double loss(double[] params, double[] xs, double[] ts, int batch) {
    pattern.clear();
    margin = Double.POSITIVE_INFINITY;
    double sum = 0;
    int width = net.targetWidth();
    for (int b = 0; b < batch; b++) {
      double[] prev = Arrays.copyOfRange(xs, b * net.inputSize(), (b + 1) * net.inputSize());
      double[] z = null;
      for (Layer l : net.layers()) {
        int off = net.weightOffset(l.index());
        if (l instanceof Dense d) {
          z = dense(d, params, off, prev);
        } else if (l instanceof Conv2d c) {
          z = conv(c, params, off, prev);
        } else if (l instanceof MaxPool2d m) {
          z = pool(m.inputShape(), m.window(), prev, true);
        } else if (l instanceof AvgPool2d a) {
          z = pool(a.inputShape(), a.window(), prev, false);
        } else {
          z = prev.clone();
        }
        prev = activate(l.activation(), z);
      }
      sum += net.loss().orElseThrow().exampleLoss(z, prev, ts, b * width);
    }
    return sum * net.loss().orElseThrow().scale(batch, net.outputSize());
  }

  private double[] activate(Activation act, double[] z) {
    double[] a = new double[z.length];
    if (act instanceof Activation.Softmax) {
      Activation.Softmax.apply(z, a);
      return a;
    }
    for (int j = 0; j < z.length; j++) {
      if (act.isReluFamily()) {
        pattern.add(z[j] > 0 ? 1.0 : 0.0);
        margin = Math.min(margin, Math.abs(z[j]));
      }
      a[j] = act.value(z[j]);
    }
    return a;
  }

  private static double[] dense(Dense d, double[] params, int off, double[] in) {
    double[] z = new double[d.outSize()];
    for (int j = 0; j < z.length; j++) {
      double s = params[off + d.weightCount() + j];
      for (int k = 0; k < d.inSize(); k++) {
        s += params[off + j * d.inSize() + k] * in[k];
      }
      z[j] = s;
    }
    return z;
  }

  private static double[] conv(Conv2d c, double[] params, int off, double[] in) {
    Shape.Image is = c.inputShape();
    Shape.Image os = c.outputShape();
    Window w = c.window();
    double[] z = new double[os.size()];
    for (int o = 0; o < os.channels(); o++) {
      for (int y = 0; y < os.height(); y++) {
        for (int x = 0; x < os.width(); x++) {
          double s = params[off + c.weightCount() + o];
          for (int ch = 0; ch < is.channels(); ch++) {
            for (int i = 0; i < w.kernelHeight(); i++) {
              for (int j = 0; j < w.kernelWidth(); j++) {
                int row = y * w.strideHeight() - w.padHeight() + i;
                int col = x * w.strideWidth() - w.padWidth() + j;
                double v = row < 0 || row >= is.height() || col < 0 || col >= is.width() ? 0
                    : in[(ch * is.height() + row) * is.width() + col];
                int widx = ((o * is.channels() + ch) * w.kernelHeight() + i) * w.kernelWidth()
                    + j;
                s += params[off + widx] * v;
              }
            }
          }
          z[(o * os.height() + y) * os.width() + x] = s;
        }
      }
    }
    return z;
  }

  private double[] pool(Shape.Image is, Window w, double[] in, boolean max) {
    int oh = (int) w.outHeight(is.height());
    int ow = (int) w.outWidth(is.width());
    double[] z = new double[is.channels() * oh * ow];
    for (int ch = 0; ch < is.channels(); ch++) {
      for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
          double best = Double.NEGATIVE_INFINITY;
          double second = Double.NEGATIVE_INFINITY;
          int winner = -1;
          double sum = 0;
          for (int i = 0; i < w.kernelHeight(); i++) {
            for (int j = 0; j < w.kernelWidth(); j++) {
              double v = in[(ch * is.height() + y * w.strideHeight() + i) * is.width()
                  + x * w.strideWidth() + j];
              sum += v;
              if (v > best) {
                second = best;
                best = v;
                winner = i * w.kernelWidth() + j;
              } else if (v > second) {
                second = v;
              }
            }
          }
          if (max) {
            pattern.add((double) winner);
            // A tie is no kink when all tied inputs come from dead relu units (they stay 0).
            if (best != 0 || second != 0) {
              margin = Math.min(margin, best - second);
            }
          }
          z[(ch * oh + y) * ow + x] = max ? best : sum / (w.kernelHeight() * w.kernelWidth());
        }
      }
    }
    return z;
  }
}
