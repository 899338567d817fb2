package dev.netc.interp;

import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.runtime.OptimizerLayout;
import java.util.Arrays;

/**
 * {@code torch.optim.Adam} (not AdamW): g += wd θ; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
 * step_size = lr / (1-β1^t); denom = sqrt(v) / sqrt(1-β2^t) + eps; θ -= step_size · m / denom.
 */
public final class AdamState implements OptimizerState {
  private final Precision p;
  private double lr;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final double[] m;
  private final double[] v;
  private long steps;

  /** A fresh state over {@code size} parameters. */
  public AdamState(Optimizer.Adam adam, int size, Precision precision) {
    this.p = precision;
    this.lr = adam.lr();
    this.beta1 = adam.beta1();
    this.beta2 = adam.beta2();
    this.eps = p.round(adam.eps());
    this.weightDecay = p.round(adam.weightDecay());
    this.m = new double[size];
    this.v = new double[size];
  }

  private AdamState(AdamState source) {
    this.p = source.p;
    this.lr = source.lr;
    this.beta1 = source.beta1;
    this.beta2 = source.beta2;
    this.eps = source.eps;
    this.weightDecay = source.weightDecay;
    this.m = source.m.clone();
    this.v = source.v.clone();
    this.steps = source.steps;
  }

  @Override
  public AdamState copy() {
    return new AdamState(this);
  }

  @Override
  public void step(double[] params, double[] grad) {
    steps++;
    // Per-step scalars in double, as torch computes them in Python, rounded once for the tensors.
    double stepSize = p.round(lr / (1.0 - Math.pow(beta1, steps)));
    double bias2Sqrt = p.round(Math.sqrt(1.0 - Math.pow(beta2, steps)));
    double b1 = p.round(beta1);
    double b2 = p.round(beta2);
    double c1 = p.round(1.0 - beta1);
    double c2 = p.round(1.0 - beta2);
    for (int i = 0; i < params.length; i++) {
      double theta = params[i];
      double g = grad[i];
      if (weightDecay != 0) {
        g = p.round(g + p.round(weightDecay * theta));
      }
      m[i] = p.round(p.round(b1 * m[i]) + p.round(c1 * g));
      v[i] = p.round(p.round(b2 * v[i]) + p.round(p.round(c2 * g) * g));
      double denom = p.round(p.round(p.round(Math.sqrt(v[i])) / bias2Sqrt) + eps);
      params[i] = p.round(theta - p.round(stepSize * p.round(m[i] / denom)));
    }
  }

  @Override
  public void reset() {
    Arrays.fill(m, 0.0);
    Arrays.fill(v, 0.0);
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
    return new String[] {OptimizerLayout.EXP_AVG, OptimizerLayout.EXP_AVG_SQ};
  }

  @Override
  public double[][] buffers() {
    return new double[][] {m, v};
  }
}
