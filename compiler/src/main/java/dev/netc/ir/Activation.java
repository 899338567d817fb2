package dev.netc.ir;

import dev.netc.runtime.NetcMath;
import java.util.Optional;

/**
 * An activation function: the one place that knows its value and its derivative, both as numbers
 * (for the interpreter) and as Java expressions (for the code generator). Adding an activation means
 * adding a record here, its keyword in the front end, and its tests.
 *
 * <p>Java templates receive the names of local variables of the network's precision and return an
 * expression of that precision. Math functions are computed in double and cast back.
 */
public sealed interface Activation {

  /** The DSL keyword, e.g. {@code leaky_relu}. */
  String keyword();

  /** True for all but softmax, which couples the outputs of a layer. */
  default boolean isElementwise() {
    return true;
  }

  /** True for relu, leaky_relu and elu, whose default initialization is He rather than Xavier. */
  default boolean isReluFamily() {
    return false;
  }

  /** σ(z). Not defined for softmax (see {@link Softmax#apply(double[], double[])}). */
  double value(double z);

  /** σ'(z), given also a = σ(z) because several derivatives are cheapest in terms of a. */
  double derivative(double z, double a);

  /**
   * Java expression for σ(z), evaluated in double (the code generator rounds the result once to
   * the network's precision, as the interpreter does); {@code z} is a double expression.
   */
  String javaValue(String z);

  /** Java expression for σ'(z) given a = σ(z), in double like {@link #javaValue}. */
  String javaDerivative(String z, String a);

  /**
   * σ(z) in a float network, for a float value z: {@link #value} rounded to float, unless the
   * kind has a faster float form (tanh), which the generated code then uses too, so that
   * interpreter and generated float code stay bit-identical.
   */
  default double floatValue(double z) {
    return (float) value(z);
  }

  /**
   * The float form behind {@link #floatValue} as a Java expression of the float expression
   * {@code z}; empty where float code rounds {@link #javaValue}.
   */
  default Optional<String> javaFloatValue(String z) {
    return Optional.empty();
  }

  /**
   * g · σ'(z) as a Java expression of the {@code precision} expressions g and z (each evaluated
   * more than once, so plain array reads) that C2 compiles without a data-dependent branch, for
   * back-propagation into a convolution's output (a branch on the sign of z there mispredicts on
   * about every other value); empty where {@link #javaDerivative} is used. Equal to the product
   * except for NaN and the sign of a zero.
   */
  default Optional<String> javaBranchFreeTimesDerivative(String g, String z,
      Precision precision) {
    return Optional.empty();
  }

  /** Canonical text, with parameters, as written in the DSL, e.g. {@code leaky_relu(alpha = 0.01)}. */
  default String describe() {
    return keyword();
  }

  /** σ(z) = z. */
  record Identity() implements Activation {
    public String keyword() {
      return "identity";
    }

    public double value(double z) {
      return z;
    }

    public double derivative(double z, double a) {
      return 1.0;
    }

    public String javaValue(String z) {
      return z;
    }

    public String javaDerivative(String z, String a) {
      return Decimals.of(1.0);
    }
  }

  /** σ(z) = 1 / (1 + e^-z); σ' = a (1 - a). */
  record Sigmoid() implements Activation {
    public String keyword() {
      return "sigmoid";
    }

    public double value(double z) {
      return 1.0 / (1.0 + Math.exp(-z));
    }

    public double derivative(double z, double a) {
      return a * (1.0 - a);
    }

    public String javaValue(String z) {
      return "1.0 / (1.0 + Math.exp(-" + z + "))";
    }

    public String javaDerivative(String z, String a) {
      return a + " * (" + Decimals.of(1.0) + " - " + a + ")";
    }
  }

  /** σ(z) = tanh z; σ' = 1 - a². */
  record Tanh() implements Activation {
    public String keyword() {
      return "tanh";
    }

    public double value(double z) {
      return Math.tanh(z);
    }

    public double derivative(double z, double a) {
      return 1.0 - a * a;
    }

    public String javaValue(String z) {
      return "Math.tanh(" + z + ")";
    }

    /** {@link NetcMath#tanh}: within 1 ulp of the rounded Math.tanh, a third of its cost. */
    @Override
    public double floatValue(double z) {
      return NetcMath.tanh((float) z);
    }

    @Override
    public Optional<String> javaFloatValue(String z) {
      return Optional.of(NetcMath.class.getName() + ".tanh(" + z + ")");
    }

    public String javaDerivative(String z, String a) {
      return "(" + Decimals.of(1.0) + " - " + a + " * " + a + ")";
    }
  }

  /** σ(z) = max(0, z); σ'(0) = 0 as in PyTorch. */
  record Relu() implements Activation {
    public String keyword() {
      return "relu";
    }

    public boolean isReluFamily() {
      return true;
    }

    public double value(double z) {
      return z > 0 ? z : 0.0;
    }

    public double derivative(double z, double a) {
      return z > 0 ? 1.0 : 0.0;
    }

    public String javaValue(String z) {
      return "(" + z + " > " + Decimals.of(0) + " ? " + z + " : " + Decimals.of(0) + ")";
    }

    public String javaDerivative(String z, String a) {
      return "(" + z + " > " + Decimals.of(0) + " ? " + Decimals.of(1) + " : " + Decimals.of(0) + ")";
    }

    /**
     * g with all bits cleared unless z &gt; 0: z's bits minus one, or'ed with themselves, are
     * negative exactly for z &lt;= 0 (-0 included), so their sign spread over the word is the mask.
     */
    @Override
    public Optional<String> javaBranchFreeTimesDerivative(String g, String z,
        Precision precision) {
      boolean f = precision == Precision.FLOAT;
      String bits = f ? "Float.floatToRawIntBits" : "Double.doubleToRawLongBits";
      return Optional.of((f ? "Float.intBitsToFloat(" : "Double.longBitsToDouble(") + bits + "("
          + g + ") & ~((" + bits + "(" + z + ") - 1 | " + bits + "(" + z + ")) >> "
          + (f ? 31 : 63) + "))");
    }
  }

  /** σ(z) = z for z &gt; 0, alpha z otherwise. */
  record LeakyRelu(double alpha) implements Activation {
    /** Validates alpha. */
    public LeakyRelu {
      if (!(alpha >= 0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("leaky_relu alpha must be finite and >= 0");
      }
    }

    public String keyword() {
      return "leaky_relu";
    }

    public boolean isReluFamily() {
      return true;
    }

    public String describe() {
      return "leaky_relu(alpha = " + Decimals.of(alpha) + ")";
    }

    public double value(double z) {
      return z > 0 ? z : alpha * z;
    }

    public double derivative(double z, double a) {
      return z > 0 ? 1.0 : alpha;
    }

    public String javaValue(String z) {
      return "(" + z + " > " + Decimals.of(0) + " ? " + z + " : " + Decimals.of(alpha) + " * "
          + z + ")";
    }

    public String javaDerivative(String z, String a) {
      return "(" + z + " > " + Decimals.of(0) + " ? " + Decimals.of(1) + " : "
          + Decimals.of(alpha) + ")";
    }
  }

  /** σ(z) = z for z &gt; 0, alpha (e^z - 1) otherwise; σ' = a + alpha below zero. */
  record Elu(double alpha) implements Activation {
    /** Validates alpha. */
    public Elu {
      if (!(alpha >= 0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("elu alpha must be finite and >= 0");
      }
    }

    public String keyword() {
      return "elu";
    }

    public boolean isReluFamily() {
      return true;
    }

    public String describe() {
      return "elu(alpha = " + Decimals.of(alpha) + ")";
    }

    public double value(double z) {
      return z > 0 ? z : alpha * Math.expm1(z);
    }

    public double derivative(double z, double a) {
      return z > 0 ? 1.0 : a + alpha;
    }

    public String javaValue(String z) {
      return "(" + z + " > " + Decimals.of(0) + " ? " + z + " : "
          + Decimals.of(alpha) + " * Math.expm1(" + z + ")" + ")";
    }

    public String javaDerivative(String z, String a) {
      return "(" + z + " > " + Decimals.of(0) + " ? " + Decimals.of(1) + " : " + a + " + "
          + Decimals.of(alpha) + ")";
    }
  }

  /** σ(z) = log(1 + e^z), computed without overflow; σ' = sigmoid(z). */
  record Softplus() implements Activation {
    public String keyword() {
      return "softplus";
    }

    public double value(double z) {
      return Math.max(z, 0.0) + Math.log1p(Math.exp(-Math.abs(z)));
    }

    public double derivative(double z, double a) {
      return 1.0 / (1.0 + Math.exp(-z));
    }

    public String javaValue(String z) {
      return "Math.max(" + z + ", 0.0) + Math.log1p(Math.exp(-Math.abs(" + z + ")))";
    }

    public String javaDerivative(String z, String a) {
      return "1.0 / (1.0 + Math.exp(-" + z + "))";
    }
  }

  /**
   * Softmax over the layer: a_j = e^(z_j - max z) / Σ e^(z_k - max z). Only allowed on the output
   * layer, where with cross_entropy the backward pass fuses to δ = a - onehot(label).
   */
  record Softmax() implements Activation {
    public String keyword() {
      return "softmax";
    }

    public boolean isElementwise() {
      return false;
    }

    public double value(double z) {
      throw new UnsupportedOperationException("softmax is not elementwise");
    }

    public double derivative(double z, double a) {
      throw new UnsupportedOperationException("softmax is not elementwise");
    }

    public String javaValue(String z) {
      throw new UnsupportedOperationException("softmax is not elementwise");
    }

    public String javaDerivative(String z, String a) {
      throw new UnsupportedOperationException("softmax is not elementwise");
    }

    /** Numerically stable softmax of z into a (same length), computed in double. */
    public static void apply(double[] z, double[] a) {
      double max = Double.NEGATIVE_INFINITY;
      for (double v : z) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (int i = 0; i < z.length; i++) {
        a[i] = Math.exp(z[i] - max);
        sum += a[i];
      }
      for (int i = 0; i < z.length; i++) {
        a[i] /= sum;
      }
    }
  }
}
