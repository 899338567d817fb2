package dev.netc.ir;

/** An optimizer with {@code torch.optim} semantics. */
public sealed interface Optimizer {

  /** The learning rate η. */
  double lr();

  /** L2 penalty added to the gradient before the update (torch's {@code weight_decay}). */
  double weightDecay();

  /** Canonical DSL text with every hyperparameter. */
  String describe();

  /**
   * {@code torch.optim.SGD} without dampening: g += wd θ; buf = g on the first step, else
   * buf = μ buf + g; g = nesterov ? g + μ buf : buf (when μ ≠ 0); θ -= η g.
   */
  record Sgd(double lr, double momentum, boolean nesterov, double weightDecay) implements Optimizer {
    /** Validates the hyperparameters. */
    public Sgd {
      if (!(lr > 0) || Double.isInfinite(lr)) {
        throw new IllegalArgumentException("sgd lr must be finite and > 0");
      }
      if (!(momentum >= 0) || Double.isInfinite(momentum)) {
        throw new IllegalArgumentException("sgd momentum must be finite and >= 0");
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("sgd weight_decay must be finite and >= 0");
      }
      if (nesterov && momentum == 0) {
        throw new IllegalArgumentException("sgd nesterov needs momentum > 0");
      }
    }

    public String describe() {
      return "sgd(lr = " + Decimals.of(lr) + ", momentum = " + Decimals.of(momentum)
          + ", nesterov = " + nesterov + ", weight_decay = " + Decimals.of(weightDecay) + ")";
    }
  }

  /**
   * {@code torch.optim.Adam}: g += wd θ; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
   * θ -= (η / (1-β1^t)) m / (sqrt(v) / sqrt(1-β2^t) + eps).
   */
  record Adam(double lr, double beta1, double beta2, double eps, double weightDecay)
      implements Optimizer {
    /** Validates the hyperparameters. */
    public Adam {
      if (!(lr > 0) || Double.isInfinite(lr)) {
        throw new IllegalArgumentException("adam lr must be finite and > 0");
      }
      if (!(beta1 >= 0 && beta1 < 1)) {
        throw new IllegalArgumentException("adam beta1 must be in [0, 1)");
      }
      if (!(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException("adam beta2 must be in [0, 1)");
      }
      if (!(eps >= 0) || Double.isInfinite(eps)) {
        throw new IllegalArgumentException("adam eps must be finite and >= 0");
      }
      if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
        throw new IllegalArgumentException("adam weight_decay must be finite and >= 0");
      }
    }

    public String describe() {
      return "adam(lr = " + Decimals.of(lr) + ", beta1 = " + Decimals.of(beta1) + ", beta2 = "
          + Decimals.of(beta2) + ", eps = " + Decimals.of(eps) + ", weight_decay = "
          + Decimals.of(weightDecay) + ")";
    }
  }
}
