package dev.netc.runtime;

/**
 * Elementary functions for generated float code, faster than {@link Math}'s double versions and
 * accurate to the float result they stand in for.
 *
 * <p>{@code (float) Math.tanh(x)} costs about 14 ns on JDK 17 (it is not an intrinsic), which made
 * tanh the bottleneck of small tanh networks. {@link #tanh(float)} computes e<sup>2|x|</sup> with a
 * short polynomial in double precision, so the float result is within 1 ulp of the correctly
 * rounded one (tested on every float in [−10, 10]).
 */
public final class NetcMath {
  /** Above this |x|, tanh x rounds to ±1 in float (1 − tanh x &lt; 2<sup>−25</sup> from 9.01 on). */
  public static final float TANH_SATURATION = 9.1f;
  /** Below this |x|, tanh x = x (1 − x²/3 + …) rounds to x in float. */
  public static final float TANH_LINEAR = 0x1p-12f;
  /** log2(e) of the exponential's range reduction (public for the vector backend's tanh). */
  public static final double LOG2_E = 1.4426950408889634;
  /** ln(2) of the exponential's range reduction (public for the vector backend's tanh). */
  public static final double LN_2 = 0.6931471805599453;

  private NetcMath() {}

  /** tanh x in float, within 1 ulp of the correctly rounded result; odd, NaN for NaN. */
  public static float tanh(float x) {
    float a = Math.abs(x);
    if (a < TANH_LINEAR) {
      return x;
    }
    if (!(a < TANH_SATURATION)) {
      return a > 0 ? Math.copySign(1f, x) : x; // NaN stays NaN
    }
    double e = expOfNonNegative(2.0 * a);
    return (float) Math.copySign(1.0 - 2.0 / (e + 1.0), x);
  }

  /**
   * e<sup>y</sup> for 0 ≤ y ≤ 19 with a relative error below 10<sup>−9</sup>: y = k ln 2 + r with
   * |r| ≤ ln 2 / 2, e<sup>r</sup> by its Taylor polynomial of degree 8, then the exponent set to k.
   */
  private static double expOfNonNegative(double y) {
    int k = (int) (y * LOG2_E + 0.5);
    double r = y - k * LN_2;
    double p = 1.0 / 40320;
    p = p * r + 1.0 / 5040;
    p = p * r + 1.0 / 720;
    p = p * r + 1.0 / 120;
    p = p * r + 1.0 / 24;
    p = p * r + 1.0 / 6;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    return p * Double.longBitsToDouble((long) (k + 1023) << 52);
  }
}
