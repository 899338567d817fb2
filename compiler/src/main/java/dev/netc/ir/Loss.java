package dev.netc.ir;

import dev.netc.runtime.LossReduction;

/**
 * A loss function: the one place that knows its value, its gradient with respect to the output
 * layer's pre-activation z (δ_L), and how a mini-batch is reduced. Conventions are PyTorch's:
 * {@code mse} and {@code binary_cross_entropy} average over all elements (batch × outputs),
 * {@code cross_entropy} over the batch; {@code reduction = sum} sums instead.
 */
public sealed interface Loss {

  /** The DSL keyword, e.g. {@code cross_entropy}. */
  String keyword();

  /** Mean or sum over the mini-batch. */
  LossReduction reduction();

  /** Target values per example: 1 class index for cross_entropy, otherwise one per output. */
  int targetWidth(int outputs);

  /**
   * True if this loss may follow the output activation {@code out}: its fused δ_L assumes
   * sigmoid for binary_cross_entropy, softmax for cross_entropy, an elementwise one for mse.
   */
  boolean fits(Activation out);

  /** True if the loss is a sum of independent per-output terms (mse, binary_cross_entropy). */
  default boolean isElementwise() {
    return true;
  }

  /**
   * Factor that turns the sum of per-example losses into the reduced loss: 1/(batch·outputs) for
   * mse and bce with mean, 1/batch for cross_entropy with mean, 1 for sum. Gradients scale alike.
   */
  double scale(int batchSize, int outputs);

  /**
   * Unreduced loss of one example from the output layer's z and a = σ(z); the target starts at
   * {@code target[t]}. Numerically stable: never log(0).
   */
  double exampleLoss(double[] z, double[] a, double[] target, int t);

  /**
   * δ_L of one example, unscaled: d(exampleLoss)/dz for the output activation {@code act}, written to
   * {@code delta}.
   */
  void outputDelta(Activation act, double[] z, double[] a, double[] target, int t, double[] delta);

  /** For elementwise losses: Java expression for one output's loss term. */
  String javaElementLoss(String z, String a, String t, Precision p);

  /**
   * For elementwise losses: Java expression for one output's δ, given the Java expression
   * {@code activationDerivative} for σ'(z).
   */
  String javaElementDelta(String z, String a, String t, String activationDerivative, Precision p);

  /** Canonical DSL text, e.g. {@code mse(reduction = mean)}. */
  default String describe() {
    return keyword() + "(reduction = " + reduction().keyword() + ")";
  }

  /** Mean squared error, Σ (a - t)², no ½ factor; δ = 2 (a - t) σ'(z). */
  record Mse(LossReduction reduction) implements Loss {
    public String keyword() {
      return "mse";
    }

    public boolean fits(Activation out) {
      return out.isElementwise();
    }

    public int targetWidth(int outputs) {
      return outputs;
    }

    public double scale(int batchSize, int outputs) {
      return reduction == LossReduction.SUM ? 1.0 : 1.0 / ((double) batchSize * outputs);
    }

    public double exampleLoss(double[] z, double[] a, double[] target, int t) {
      double sum = 0;
      for (int j = 0; j < a.length; j++) {
        double d = a[j] - target[t + j];
        sum += d * d;
      }
      return sum;
    }

    public void outputDelta(
        Activation act, double[] z, double[] a, double[] target, int t, double[] delta) {
      for (int j = 0; j < a.length; j++) {
        delta[j] = 2.0 * (a[j] - target[t + j]) * act.derivative(z[j], a[j]);
      }
    }

    public String javaElementLoss(String z, String a, String t, Precision p) {
      return "(" + a + " - " + t + ") * (" + a + " - " + t + ")";
    }

    public String javaElementDelta(
        String z, String a, String t, String activationDerivative, Precision p) {
      return p.literal(2.0) + " * (" + a + " - " + t + ") * (" + activationDerivative + ")";
    }
  }

  /**
   * Binary cross-entropy on a sigmoid output, computed from z as max(z,0) - z t + log(1 + e^-|z|);
   * fused δ = a - t.
   */
  record BinaryCrossEntropy(LossReduction reduction) implements Loss {
    public String keyword() {
      return "binary_cross_entropy";
    }

    public boolean fits(Activation out) {
      return out instanceof Activation.Sigmoid;
    }

    public int targetWidth(int outputs) {
      return outputs;
    }

    public double scale(int batchSize, int outputs) {
      return reduction == LossReduction.SUM ? 1.0 : 1.0 / ((double) batchSize * outputs);
    }

    public double exampleLoss(double[] z, double[] a, double[] target, int t) {
      double sum = 0;
      for (int j = 0; j < z.length; j++) {
        sum += Math.max(z[j], 0.0) - z[j] * target[t + j] + Math.log1p(Math.exp(-Math.abs(z[j])));
      }
      return sum;
    }

    public void outputDelta(
        Activation act, double[] z, double[] a, double[] target, int t, double[] delta) {
      for (int j = 0; j < a.length; j++) {
        delta[j] = a[j] - target[t + j];
      }
    }

    public String javaElementLoss(String z, String a, String t, Precision p) {
      return p.cast("Math.max(" + z + ", 0.0) - " + z + " * " + t
          + " + Math.log1p(Math.exp(-Math.abs(" + z + ")))");
    }

    public String javaElementDelta(
        String z, String a, String t, String activationDerivative, Precision p) {
      return a + " - " + t;
    }
  }

  /**
   * Softmax cross-entropy with a class index target: log Σ e^z - z[label] via log-sum-exp; fused
   * δ = a - onehot(label).
   */
  record CrossEntropy(LossReduction reduction) implements Loss {
    public String keyword() {
      return "cross_entropy";
    }

    public boolean fits(Activation out) {
      return out instanceof Activation.Softmax;
    }

    public boolean isElementwise() {
      return false;
    }

    public int targetWidth(int outputs) {
      return 1;
    }

    public double scale(int batchSize, int outputs) {
      return reduction == LossReduction.SUM ? 1.0 : 1.0 / batchSize;
    }

    /** The class index stored (as a number) in a target, checked against the number of classes. */
    public static int label(double[] target, int t, int classes) {
      double v = target[t];
      int label = (int) v;
      if (label != v || label < 0 || label >= classes) {
        throw new IllegalArgumentException(
            "class index " + v + " is not an integer in [0, " + classes + ")");
      }
      return label;
    }

    public double exampleLoss(double[] z, double[] a, double[] target, int t) {
      int label = label(target, t, z.length);
      double max = Double.NEGATIVE_INFINITY;
      for (double v : z) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (double v : z) {
        sum += Math.exp(v - max);
      }
      return max + Math.log(sum) - z[label];
    }

    public void outputDelta(
        Activation act, double[] z, double[] a, double[] target, int t, double[] delta) {
      int label = label(target, t, a.length);
      for (int j = 0; j < a.length; j++) {
        delta[j] = a[j] - (j == label ? 1.0 : 0.0);
      }
    }

    public String javaElementLoss(String z, String a, String t, Precision p) {
      throw new UnsupportedOperationException("cross_entropy is not elementwise");
    }

    public String javaElementDelta(
        String z, String a, String t, String activationDerivative, Precision p) {
      throw new UnsupportedOperationException("cross_entropy is not elementwise");
    }
  }
}
