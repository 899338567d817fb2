package dev.netc.interp;

import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.runtime.OptimizerLayout;
import java.util.Arrays;

/**
 * {@code torch.optim.SGD} without dampening: g += wd θ; buf = g on the first step, else
 * buf = μ buf + g; g = nesterov ? g + μ buf : buf; θ -= lr g.
 */
public final class SgdState implements OptimizerState {
  private final Precision p;
  private double lr;
  private final double momentum;
  private final double weightDecay;
  private final boolean nesterov;
  private final double[] buf;
  private long steps;

  /** A fresh state over {@code size} parameters. */
  public SgdState(Optimizer.Sgd sgd, int size, Precision precision) {
    this.p = precision;
    // Hyperparameters are literals of the network's type in float code (lr is rounded per step).
    this.lr = sgd.lr();
    this.momentum = p.round(sgd.momentum());
    this.weightDecay = p.round(sgd.weightDecay());
    this.nesterov = sgd.nesterov();
    this.buf = new double[momentum != 0 ? size : 0];
  }

  private SgdState(SgdState source) {
    this.p = source.p;
    this.lr = source.lr;
    this.momentum = source.momentum;
    this.weightDecay = source.weightDecay;
    this.nesterov = source.nesterov;
    this.buf = source.buf.clone();
    this.steps = source.steps;
  }

  @Override
  public SgdState copy() {
    return new SgdState(this);
  }

  @Override
  public void step(double[] params, double[] grad) {
    boolean first = steps == 0;
    double lr = p.round(this.lr);
    for (int i = 0; i < params.length; i++) {
      double theta = params[i];
      double g = grad[i];
      if (weightDecay != 0) {
        g = p.round(g + p.round(weightDecay * theta));
      }
      if (momentum != 0) {
        // torch clones the first gradient into the buffer instead of scaling a zero buffer.
        buf[i] = first ? g : p.round(p.round(momentum * buf[i]) + g);
        g = nesterov ? p.round(g + p.round(momentum * buf[i])) : buf[i];
      }
      params[i] = p.round(theta - p.round(lr * g));
    }
    steps++;
  }

  @Override
  public void reset() {
    Arrays.fill(buf, 0.0);
    steps = 0;
  }

  @Override
  public long steps() {
    return steps;
  }

  @Override
  public void setSteps(long steps) {
    this.steps = steps;
  }

  @Override
  public double learningRate() {
    return lr;
  }

  @Override
  public void setLearningRate(double lr) {
    this.lr = lr;
  }

  @Override
  public String[] bufferNames() {
    return buf.length == 0 ? new String[0] : new String[] {OptimizerLayout.MOMENTUM_BUFFER};
  }

  @Override
  public double[][] buffers() {
    return buf.length == 0 ? new double[0][] : new double[][] {buf};
  }
}
