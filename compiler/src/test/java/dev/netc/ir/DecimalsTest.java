package dev.netc.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** JDK-independent shortest decimals: what JDK 19+ prints, on JDK 17 too, and exact round trips. */
class DecimalsTest {

  @Test
  void printsWhatModernJdksPrint() {
    // JDK 17's Double.toString gives 1.9999999999999998E23, 9.999999999999999E22, ...
    assertEquals("2.0E23", Decimals.of(2e23));
    assertEquals("1.0E23", Decimals.of(1e23));
    assertEquals("8.41E21", Decimals.of(8.41e21));
    assertEquals("2.82879384806159E17", Decimals.of(2.82879384806159E17));
    assertEquals("2.8287938E17", Decimals.ofFloat(2.82879384806159E17f));
    assertEquals("4.9E-324", Decimals.of(Double.MIN_VALUE));
    assertEquals("1.7976931348623157E308", Decimals.of(Double.MAX_VALUE));
    assertEquals("3.4028235E38", Decimals.ofFloat(Float.MAX_VALUE));
    assertEquals("1.4E-45", Decimals.ofFloat(Float.MIN_VALUE));
  }

  @Test
  void usesTheLayoutOfDoubleToString() {
    assertEquals("0.01", Decimals.of(0.01));
    assertEquals("0.001", Decimals.of(0.001));
    assertEquals("1.0E-4", Decimals.of(1e-4));
    assertEquals("1.0E-8", Decimals.of(1e-8));
    assertEquals("1.0", Decimals.of(1));
    assertEquals("-2.5", Decimals.of(-2.5));
    assertEquals("1234567.0", Decimals.of(1234567));
    assertEquals("1.0E7", Decimals.of(1e7));
    assertEquals("1000000.0", Decimals.of(1e6));
    assertEquals("0.0", Decimals.of(0));
    assertEquals("-0.0", Decimals.of(-0.0));
    assertEquals("0.1", Decimals.ofFloat(0.1f));
    assertEquals("0.3", Decimals.ofFloat(0.3f));
    assertEquals("0.30000000000000004", Decimals.of(0.1 + 0.2));
  }

  /** Every output reads back exactly, and agrees with Double.toString wherever JDK 17 is short. */
  @Test
  void roundTripsRandomValues() {
    SplittableRandom r = new SplittableRandom(19);
    for (int i = 0; i < 20_000; i++) {
      double d = Double.longBitsToDouble(r.nextLong());
      if (!Double.isFinite(d)) {
        continue;
      }
      String s = Decimals.of(d);
      assertEquals(d, Double.parseDouble(s), s);
      assertEquals(true, s.length() <= Double.toString(d).length(), s + " vs " + d);
      float f = Float.intBitsToFloat(r.nextInt());
      if (Float.isFinite(f)) {
        String fs = Decimals.ofFloat(f);
        assertEquals(f, new java.math.BigDecimal(fs).floatValue(), fs);
      }
    }
  }
}
