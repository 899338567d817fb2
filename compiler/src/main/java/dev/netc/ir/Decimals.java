package dev.netc.ir;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The shortest decimal text that reads back as the same double or float, in the format of
 * {@link Double#toString}, computed the same way on every JDK. {@code Double.toString} itself
 * changed in JDK 19 (e.g. {@code 2e23} printed as {@code 1.9999999999999998E23} before), and
 * generated sources must be byte-identical whichever JDK runs netc.
 */
public final class Decimals {
  private static final BigDecimal TWO = BigDecimal.valueOf(2);

  private Decimals() {}

  /** {@code v} as the shortest decimal that rounds back to {@code v}, e.g. {@code 0.01}. */
  public static String of(double v) {
    return format(v, false);
  }

  /** {@code v} as the shortest decimal that rounds back to the float {@code v}. */
  public static String ofFloat(float v) {
    return format(v, true);
  }

  private static String format(double v, boolean asFloat) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return Double.toString(v);
    }
    if (v == 0) {
      return 1 / v < 0 ? "-0.0" : "0.0";
    }
    double a = Math.abs(v);
    double below = asFloat ? Math.nextDown((float) a) : Math.nextDown(a);
    double ulp = asFloat ? Math.ulp((float) a) : Math.ulp(a);
    BigDecimal exact = new BigDecimal(a);
    // Every decimal strictly between lo and hi rounds to a; the bounds themselves only when the
    // significand is even (round half to even).
    BigDecimal lo = exact.subtract(exact.subtract(new BigDecimal(below)).divide(TWO));
    BigDecimal hi = exact.add(new BigDecimal(ulp).divide(TWO));
    boolean even = asFloat ? (Float.floatToIntBits((float) a) & 1) == 0
        : (Double.doubleToLongBits(a) & 1) == 0;
    // Two digits at least, as Double.toString: 4.9E-324, not 5.0E-324, for Double.MIN_VALUE.
    for (int digits = 2; ; digits++) {
      BigDecimal c = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      int l = c.compareTo(lo);
      int h = c.compareTo(hi);
      if (l > 0 && h < 0 || even && (l == 0 || h == 0)) {
        return (v < 0 ? "-" : "") + layout(c.stripTrailingZeros(), a);
      }
    }
  }

  /** Plain for 10^-3 <= a < 10^7, else d.dddE±n, always with a digit after the point. */
  private static String layout(BigDecimal c, double a) {
    if (a >= 1e-3 && a < 1e7) {
      String plain = c.toPlainString();
      return plain.indexOf('.') < 0 ? plain + ".0" : plain;
    }
    String digits = c.unscaledValue().toString();
    int exponent = digits.length() - 1 - c.scale();
    String fraction = digits.length() > 1 ? digits.substring(1) : "0";
    return digits.charAt(0) + "." + fraction + "E" + exponent;
  }
}
