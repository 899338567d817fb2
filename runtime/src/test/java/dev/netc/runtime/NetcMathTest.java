package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NetcMathTest {

  /** Error of {@code actual} against the float nearest to tanh(x), in units of that float's ulp. */
  private static double ulpError(float x, float actual) {
    float expected = (float) Math.tanh(x);
    return Math.abs((double) actual - expected) / Math.ulp(expected);
  }

  @Test
  void tanhIsWithinOneUlpOnEveryFloatFromMinusTenToTen() {
    int ten = Float.floatToRawIntBits(10f);
    // Every float in [0, 10] (1.1 billion values, split over cores); tanh is odd by construction
    // (copySign), which the negatives' test below checks.
    double worst = IntStream.rangeClosed(0, ten).parallel()
        .mapToDouble(bits -> {
          float x = Float.intBitsToFloat(bits);
          return ulpError(x, NetcMath.tanh(x));
        })
        .max().orElseThrow();
    assertTrue(worst <= 1.0, "worst error " + worst + " ulp");
  }

  @Test
  void tanhIsOdd() {
    for (int bits = 0; bits <= Float.floatToRawIntBits(10f); bits += 101) {
      float x = Float.intBitsToFloat(bits);
      assertEquals(Float.floatToRawIntBits(-NetcMath.tanh(x)),
          Float.floatToRawIntBits(NetcMath.tanh(-x)), "x = " + x);
    }
  }

  @Test
  void tanhSaturatesKeepsSignedZeroAndNaN() {
    assertEquals(1f, NetcMath.tanh(9.5f));
    assertEquals(-1f, NetcMath.tanh(-1e30f));
    assertEquals(1f, NetcMath.tanh(Float.POSITIVE_INFINITY));
    assertEquals(-1f, NetcMath.tanh(Float.NEGATIVE_INFINITY));
    assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(NetcMath.tanh(-0f)));
    assertTrue(Float.isNaN(NetcMath.tanh(Float.NaN)));
    assertEquals(Float.MIN_VALUE, NetcMath.tanh(Float.MIN_VALUE));
  }

  @Test
  void flushSubnormalZeroesExactlyTheSubnormals() {
    float[] kept = {Float.MIN_NORMAL, -Float.MIN_NORMAL, 1f, -2.5f, Float.MAX_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Math.nextUp(Float.MIN_NORMAL)};
    for (float x : kept) {
      assertEquals(Float.floatToRawIntBits(x), Float.floatToRawIntBits(NetcMath.flushSubnormal(x)),
          "x = " + x);
    }
    float[] flushed = {Float.MIN_VALUE, -Float.MIN_VALUE, Math.nextDown(Float.MIN_NORMAL),
        -Math.nextDown(Float.MIN_NORMAL), 0x1p-140f, 0f, -0f};
    for (float x : flushed) {
      assertEquals(0, Float.floatToRawIntBits(NetcMath.flushSubnormal(x)), "x = " + x);
    }
    assertTrue(Float.isNaN(NetcMath.flushSubnormal(Float.NaN)));
    assertEquals(Double.MIN_NORMAL, NetcMath.flushSubnormal(Double.MIN_NORMAL));
    assertEquals(-3.0, NetcMath.flushSubnormal(-3.0));
    assertEquals(0, Double.doubleToRawLongBits(NetcMath.flushSubnormal(-Double.MIN_VALUE)));
    assertEquals(0, Double.doubleToRawLongBits(
        NetcMath.flushSubnormal(Math.nextDown(Double.MIN_NORMAL))));
    assertTrue(Double.isNaN(NetcMath.flushSubnormal(Double.NaN)));
  }
}
