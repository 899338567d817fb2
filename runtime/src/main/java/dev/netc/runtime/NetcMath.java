package dev.netc.runtime;

/**
 * Elementary functions for generated float code, faster than {@link Math}'s double versions and
 * accurate to the float result they stand in for; and the optimizers' subnormal flush.
 *
 * <p>{@code (float) Math.tanh(x)} costs about 14 ns on JDK 17 (it is not an intrinsic), which made
 * tanh the bottleneck of small tanh networks. {@link #tanh(float)} is computed in float
 * operations only (no fused multiply-add, no double): an odd polynomial below |x| = 0.625, and
 * 1 − 2/(e<sup>2|x|</sup> + 1) above, e<sup>2|x|</sup> = 2<sup>k</sup> e<sup>r</sup> with a
 * polynomial for e<sup>r</sup>. The result is within 1 ulp of the correctly rounded one (tested on
 * every float in [0, 10]). Float operations only, so that the vector backend computes the same
 * bits in float vectors of the class's own shape (a second element type in a float class is
 * one more way to make C2 box vectors; docs/performance.md, thirty-fifth session). It replaced
 * a form in double precision (a polynomial for e<sup>r</sup> and a division in double), at
 * about half the cost: the 4-16-3 network's {@code predict} ran at 8.2–8.6M examples/s against
 * 4.0–4.2M on the Zen 4 host.
 */
public final class NetcMath {
  /** Above this |x|, tanh x rounds to ±1 in float (1 − tanh x &lt; 2<sup>−25</sup> from 9.01 on). */
  public static final float TANH_SATURATION = 9.1f;
  /** Below this |x|, tanh x = x (1 − x²/3 + …) rounds to x in float. */
  public static final float TANH_LINEAR = 0x1p-12f;
  /** Below this |x|, tanh takes the odd polynomial; from it on, the exponential. */
  public static final float TANH_SMALL = 0.625f;
  /** log2(e) in float, for k = round(2|x| log2(e)). */
  public static final float LOG2_E = 0x1.715476p0f;
  /** Adding and subtracting it rounds a float below 2^22 to an integer. */
  public static final float ROUND = 0x1.8p23f;
  /** ln 2 in two parts (Cody and Waite): k·LN2_HI is exact for k below 2^15. */
  public static final float LN2_HI = 0x1.63p-1f;
  /** ln 2 − {@link #LN2_HI}. */
  public static final float LN2_LO = -0x1.bd0106p-13f;
  /**
   * e<sup>r</sup> = 1 + r + r² (E0 + r (E1 + r (E2 + r (E3 + r E4)))) for |r| ≤ ln(2)/2: a
   * least-squares fit of the relative error, coefficients rounded to float.
   */
  public static final float E0 = 0x1.fffffap-2f;
  /** See {@link #E0}. */
  public static final float E1 = 0x1.5554aep-3f;
  /** See {@link #E0}. */
  public static final float E2 = 0x1.555aaap-5f;
  /** See {@link #E0}. */
  public static final float E3 = 0x1.12244ep-7f;
  /** See {@link #E0}. */
  public static final float E4 = 0x1.688676p-10f;
  /**
   * tanh x = x + x (t (S0 + t (S1 + t (S2 + t (S3 + t S4))))), t = x², for |x| &lt; {@link
   * #TANH_SMALL}: a least-squares fit of the relative error, coefficients rounded to float.
   */
  public static final float S0 = -0x1.55553ap-2f;
  /** See {@link #S0}. */
  public static final float S1 = 0x1.11089ap-3f;
  /** See {@link #S0}. */
  public static final float S2 = -0x1.b86edcp-5f;
  /** See {@link #S0}. */
  public static final float S3 = 0x1.537b28p-6f;
  /** See {@link #S0}. */
  public static final float S4 = -0x1.7bfbfap-8f;

  private NetcMath() {}

  /**
   * {@code x}, or zero if it is subnormal: the optimizers' state flush (as
   * {@code torch.set_flush_denormal(True)}) where generated code is written out element by
   * element. Every such site calls this one method, so that they share its one branch profile.
   * Written at each site, the conditional was a branch of its own that C2 compiled as never
   * taken; the first time a site's buffer went subnormal, C2 threw the whole step away and
   * compiled it again, once per site: under JMH the 4-16-3 network's step was recompiled every
   * 50–500 ms (19–49 times after warm-up), and read 2.8–3.8M steps/s against 3.65–3.9M with
   * this method (Zen 4).
   */
  public static float flushSubnormal(float x) {
    return Math.abs(x) < Float.MIN_NORMAL ? 0f : x;
  }

  /** {@link #flushSubnormal(float)} for double code. */
  public static double flushSubnormal(double x) {
    return Math.abs(x) < Double.MIN_NORMAL ? 0d : x;
  }

  /** tanh x in float, within 1 ulp of the correctly rounded result; odd, NaN for NaN. */
  public static float tanh(float x) {
    float a = Math.abs(x);
    if (a < TANH_SMALL) {
      if (a < TANH_LINEAR) {
        return x; // also keeps the sign of -0
      }
      float t = x * x;
      float s = S4;
      s = s * t + S3;
      s = s * t + S2;
      s = s * t + S1;
      s = s * t + S0;
      return x + x * (t * s);
    }
    float y = Math.min(a, TANH_SATURATION); // NaN stays NaN
    y = y + y;
    float k = (y * LOG2_E + ROUND) - ROUND;
    float r = (y - k * LN2_HI) - k * LN2_LO;
    float q = E4;
    q = q * r + E3;
    q = q * r + E2;
    q = q * r + E1;
    q = q * r + E0;
    float p = 1f + (r + (r * r) * q);
    // 2^k, 0 <= k <= 27, exactly (k of NaN is 0).
    float e = p * Float.intBitsToFloat(((int) k + 127) << 23);
    return Math.copySign(1f - 2f / (e + 1f), x);
  }
}
