package dev.netc.runtime.train;

import dev.netc.runtime.OptimizerLayout;
import dev.netc.runtime.StepTeam;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableDoubleNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A hand-written linear layer {@code y = W x + b} with loss mse (mean over all elements) and
 * torch.optim.SGD with momentum: a real network of the runtime's interface, so the trainer is
 * tested without the compiler.
 */
final class LinearNet implements TrainableDoubleNetwork {
  private final int in;
  private final int out;
  private final double momentum;
  private final double[] params;
  private final double[] buf;
  private double lr;
  private long steps;
  /** Whether it says it splits its steps ({@link #splitting}), and the team it was given. */
  private boolean splits;
  private StepTeam team;
  /** Per step of a splitting net: whether a thread other than the caller ran a part. */
  final List<Boolean> stepsOffTheCaller = new ArrayList<>();

  LinearNet(int in, int out, double lr, double momentum, long seed) {
    this.in = in;
    this.out = out;
    this.lr = lr;
    this.momentum = momentum;
    this.params = new double[out * in + out];
    this.buf = new double[params.length];
    dev.netc.runtime.SplitMix64 rng = new dev.netc.runtime.SplitMix64(seed);
    for (int i = 0; i < out * in; i++) {
      params[i] = rng.nextDouble() - 0.5;
    }
  }

  private LinearNet(LinearNet s) {
    this(s.in, s.out, s.lr, s.momentum, 0);
    System.arraycopy(s.params, 0, params, 0, params.length);
    System.arraycopy(s.buf, 0, buf, 0, buf.length);
    steps = s.steps;
  }

  @Override
  public int inputSize() {
    return in;
  }

  @Override
  public int outputSize() {
    return out;
  }

  @Override
  public int parameterCount() {
    return params.length;
  }

  @Override
  public List<TensorSpec> parameterLayout() {
    return List.of(new TensorSpec("fit.weight", new int[] {out, in}, 0),
        new TensorSpec("fit.bias", new int[] {out}, out * in));
  }

  @Override
  public void getParameters(double[] dst) {
    System.arraycopy(params, 0, dst, 0, params.length);
  }

  @Override
  public void setParameters(double[] src) {
    System.arraycopy(src, 0, params, 0, params.length);
  }

  @Override
  public void predict(double[] x, double[] y) {
    predictBatch(x, y, 1);
  }

  @Override
  public void predictBatch(double[] xs, double[] ys, int n) {
    for (int e = 0; e < n; e++) {
      for (int o = 0; o < out; o++) {
        double s = params[out * in + o];
        for (int i = 0; i < in; i++) {
          s += params[o * in + i] * xs[e * in + i];
        }
        ys[e * out + o] = s;
      }
    }
  }

  @Override
  public int targetWidth() {
    return out;
  }

  @Override
  public double loss(double[] xs, double[] ts, int n) {
    return gradient(xs, ts, n, new double[params.length]);
  }

  @Override
  public double gradient(double[] xs, double[] ts, int n, double[] grad) {
    java.util.Arrays.fill(grad, 0);
    return accumulateGradient(xs, ts, n, grad);
  }

  @Override
  public double accumulateGradient(double[] xs, double[] ts, int n, double[] grad) {
    double[] y = new double[n * out];
    predictBatch(xs, y, n);
    double sum = 0;
    double scale = 1.0 / (n * out);
    for (int e = 0; e < n; e++) {
      for (int o = 0; o < out; o++) {
        double d = y[e * out + o] - ts[e * out + o];
        sum += d * d;
        for (int i = 0; i < in; i++) {
          grad[o * in + i] += 2 * d * scale * xs[e * in + i];
        }
        grad[out * in + o] += 2 * d * scale;
      }
    }
    return sum * scale;
  }

  /**
   * Makes this net say it splits its steps: each step then runs a phase of two parts on the
   * team it was given, which record whether they ran off the calling thread (a team's helper)
   * or not (a rehearsal's parts), and computes as before.
   */
  LinearNet splitting() {
    splits = true;
    return this;
  }

  @Override
  public boolean splitsSteps() {
    return splits;
  }

  @Override
  public boolean useStepTeam(StepTeam team) {
    if (!splits) {
      return false;
    }
    this.team = team;
    return true;
  }

  @Override
  public double trainBatch(double[] xs, double[] ts, int n) {
    if (team != null) {
      Thread caller = Thread.currentThread();
      AtomicBoolean off = new AtomicBoolean();
      team.run((phase, part, parts) -> {
        if (Thread.currentThread() != caller) {
          off.set(true);
        } else if (part == 0) {
          // Long enough for a helper to take its part even when it was parked or off its core
          // for a while (a CI run on a busy 2-core host: 200 µs here left 66 % of the steps
          // without a helper); after that the caller takes it (StepTeam.STEAL_NANOS). A helper
          // that takes its part ends the wait at once.
          long end = System.nanoTime() + 20_000_000;
          while (!off.get() && System.nanoTime() < end) {
            Thread.onSpinWait();
          }
        }
      }, 0);
      stepsOffTheCaller.add(off.get());
    }
    double[] grad = new double[params.length];
    double loss = gradient(xs, ts, n, grad);
    optimizerStep(grad);
    return loss;
  }

  @Override
  public void optimizerStep(double[] grad) {
    for (int i = 0; i < params.length; i++) {
      buf[i] = steps == 0 ? grad[i] : momentum * buf[i] + grad[i];
      params[i] -= lr * buf[i];
    }
    steps++;
  }

  @Override
  public LinearNet copy() {
    return new LinearNet(this);
  }

  @Override
  public void resetOptimizer() {
    java.util.Arrays.fill(buf, 0);
    steps = 0;
  }

  @Override
  public double learningRate() {
    return lr;
  }

  @Override
  public void setLearningRate(double lr) {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("bad lr " + lr);
    }
    this.lr = lr;
  }

  @Override
  public List<TensorSpec> optimizerStateLayout() {
    return OptimizerLayout.of(parameterLayout(), OptimizerLayout.MOMENTUM_BUFFER);
  }

  @Override
  public void getOptimizerState(double[] state) {
    System.arraycopy(buf, 0, state, 0, buf.length);
  }

  @Override
  public void setOptimizerState(double[] state) {
    System.arraycopy(state, 0, buf, 0, buf.length);
  }

  @Override
  public long optimizerStepCount() {
    return steps;
  }

  @Override
  public void setOptimizerStepCount(long steps) {
    this.steps = steps;
  }
}
