package dev.netc.codegen;

import dev.netc.ir.Precision;
import java.util.Locale;

/**
 * How close generated code must come to the interpreter.
 *
 * <p>The relative error of element i of a vector is {@code |got_i - want_i| / max(|want_i|,
 * floor)}, with {@code floor = FLOOR * max_j |want_j|}. Why the floor: generated code sums in a
 * different order from the interpreter (several accumulators, gradients scaled per example), so
 * each element carries a rounding error of the order of the precision's epsilon times the
 * magnitude of its summands, not of the result. An element that is itself tiny because its terms
 * cancel (a gradient near zero, an output near zero) therefore has a large relative error while
 * being exactly as accurate as its neighbours; measuring it against a small fraction of the
 * vector's largest element keeps the test sensitive to real mistakes (a wrong index or formula
 * is off by the order of the values themselves) without failing on cancellation.
 *
 * @param limit the largest accepted relative error
 * @param floor the fraction of the largest element under which errors count as absolute
 * @param precision the precision of the values checked, whose unit in the last place {@link
 *     #ULPS} counts
 */
record Tolerance(double limit, double floor, Precision precision) {
  /**
   * Units in the last place of a slice's largest exact element that an element may be off by
   * when it is checked against an exact value: a float sum of a few hundred terms (a convolution's
   * bias gradient) lands a few ulps of its largest partial sums from the exact value, whatever the
   * size of the element itself. Found exploring seeds (docs/reliability.md): a float 1x1
   * convolution's bias gradient of 2.89e-4 beside one of 0.30 was 5.3e-8 (1.8 ulps of 0.30) from
   * exact, 4.5 times the float interpreter's distance, while the double class was exact to 1e-16.
   */
  static final int ULPS = 4;

  /** Float: 1e-4; double: 1e-10; both with a floor of 1e-3 of the vector's largest element. */
  static Tolerance of(Precision p) {
    return p == Precision.FLOAT ? new Tolerance(1e-4, 1e-3, p) : new Tolerance(1e-10, 1e-3, p);
  }

  /** Largest relative error of {@code got} against {@code want}; fails above the limit. */
  double check(String what, double[] got, double[] want) {
    if (got.length != want.length) {
      throw new AssertionError(what + ": length " + got.length + " != " + want.length);
    }
    double max = 0;
    for (double w : want) {
      max = Math.max(max, Math.abs(w));
    }
    double fl = Math.max(floor * max, Double.MIN_NORMAL);
    double worst = 0;
    int at = -1;
    for (int i = 0; i < got.length; i++) {
      double err = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), fl);
      if (!(err <= worst)) {
        worst = err;
        at = i;
      }
    }
    if (!(worst <= limit)) {
      throw new AssertionError(String.format(Locale.ROOT,
          "%s: element %d is %s, interpreter %s (relative error %.3g > %.1g)", what, at,
          got[at], want[at], worst, limit));
    }
    return worst;
  }

  /** Like {@link #check(String, double[], double[])}, separately on slices of {@code size[k]}. */
  double check(String what, double[] got, double[] want, int[] sizes) {
    double worst = 0;
    int off = 0;
    for (int k = 0; k < sizes.length; k++) {
      int to = off + sizes[k];
      worst = Math.max(worst, check(what + " [" + k + "]",
          java.util.Arrays.copyOfRange(got, off, to), java.util.Arrays.copyOfRange(want, off, to)));
      off = to;
    }
    if (off != want.length) {
      throw new AssertionError(what + ": slices cover " + off + " of " + want.length);
    }
    return worst;
  }

  /**
   * Like {@link #check(String, double[], double[], int[])} with a second reference {@code exact}
   * (null: none), the same problem evaluated in higher precision. An element then also passes when
   * it is within the limit of the exact value, or when its distance from the exact value is at
   * most four times the reference's own largest distance from the exact values in the same slice:
   * the float rounding noise of that tensor, which the reference shows is unavoidable at this
   * precision (another summation order has noise of the same size, give or take a few times), or
   * {@link #ULPS} units in the last place of the slice's largest exact element. Returns the worst
   * of the smaller of the two relative errors.
   */
  double check(String what, double[] got, double[] want, double[] exact, int[] sizes) {
    return check(what, got, want, exact, null, 0, sizes);
  }

  /**
   * Like {@link #check(String, double[], double[], double[], int[])}, where element i of a value
   * that is a sum of terms (a parameter after several updates) is measured against at least
   * {@code magnitude[i]}, the sum of its terms' magnitudes (null: none): rounding errors of a sum
   * scale with its terms, not with the result, which may be a small difference of large steps.
   * An element within {@code slack} of the exact value also passes.
   */
  double check(String what, double[] got, double[] want, double[] exact, double[] magnitude,
      double slack, int[] sizes) {
    if (exact == null && magnitude == null) {
      return check(what, got, want, sizes);
    }
    double worst = 0;
    int off = 0;
    for (int k = 0; k < sizes.length; k++) {
      int to = off + sizes[k];
      double noise = 0;
      double largest = 0;
      for (int i = off; exact != null && i < to; i++) {
        noise = Math.max(noise, Math.abs(want[i] - exact[i]));
        largest = Math.max(largest, Math.abs(exact[i]));
      }
      double fw = floorOf(want, off, to);
      double fx = exact == null ? fw : Math.max(floor * largest, Double.MIN_NORMAL);
      double ulps = ULPS * ulp(largest);
      for (int i = off; i < to; i++) {
        double mag = magnitude == null ? 0 : magnitude[i];
        double ew = Math.abs(got[i] - want[i]) / Math.max(Math.max(Math.abs(want[i]), fw), mag);
        double ex = exact == null ? ew
            : Math.abs(got[i] - exact[i]) / Math.max(Math.max(Math.abs(exact[i]), fx), mag);
        double err = Math.min(ew, ex);
        boolean noisy = exact != null
            && Math.abs(got[i] - exact[i]) <= Math.max(Math.max(4 * noise, slack), ulps);
        if (!(err <= limit) && !noisy) {
          throw new AssertionError(String.format(Locale.ROOT,
              "%s [%d]: element %d is %s, interpreter %s, exact %s (relative errors %.3g and "
                  + "%.3g > %.1g; reference's noise %.3g)", what, k, i - off, got[i], want[i],
              exact == null ? Double.NaN : exact[i], ew,
              ex, limit, noise));
        }
        worst = Math.max(worst, err);
      }
      off = to;
    }
    if (off != want.length) {
      throw new AssertionError(what + ": slices cover " + off + " of " + want.length);
    }
    return worst;
  }

  /** One unit in the last place of {@code x} in this tolerance's precision. */
  private double ulp(double x) {
    return precision == Precision.FLOAT ? Math.ulp((float) x) : Math.ulp(x);
  }

  private double floorOf(double[] v, int from, int to) {
    double max = 0;
    for (int i = from; i < to; i++) {
      max = Math.max(max, Math.abs(v[i]));
    }
    return Math.max(floor * max, Double.MIN_NORMAL);
  }

  /** Relative error of one number (the floor does not apply to a scalar). */
  double check(String what, double got, double want) {
    return check(what, new double[] {got}, new double[] {want});
  }

  /** Fails unless the two are bit-identical (initial parameters come from the same code). */
  void assertExact(String what, double[] got, double[] want) {
    if (!java.util.Arrays.equals(got, want)) {
      throw new AssertionError(what + " differ from the interpreter's");
    }
  }
}
