package dev.netc.ir;

import dev.netc.runtime.NetcMath;

/** The floating-point type a network computes and stores its parameters in. */
public enum Precision {
  FLOAT("float", "f"),
  DOUBLE("double", "");

  private final String javaType;
  private final String literalSuffix;

  Precision(String javaType, String literalSuffix) {
    this.javaType = javaType;
    this.literalSuffix = literalSuffix;
  }

  /** The DSL keyword and the Java primitive type: {@code float} or {@code double}. */
  public String javaType() {
    return javaType;
  }

  /**
   * Rounds a double to this precision. The interpreter computes every operation in double and
   * rounds the result, which for +, -, *, / and sqrt gives exactly the float result.
   */
  public double round(double v) {
    return this == FLOAT ? (float) v : v;
  }

  /** The smallest positive normal value of this type ({@code Float.MIN_NORMAL} or Double's). */
  public double minNormal() {
    return this == FLOAT ? Float.MIN_NORMAL : Double.MIN_NORMAL;
  }

  /** The Java constant naming {@link #minNormal()}. */
  public String minNormalConstant() {
    return this == FLOAT ? "Float.MIN_NORMAL" : "Double.MIN_NORMAL";
  }

  /** {@code v}, or zero if it is subnormal in this type (see {@code Optimizer}'s state rule). */
  public double flushSubnormal(double v) {
    return Math.abs(v) < minNormal() ? 0 : v;
  }

  /**
   * A Java statement doing {@link #flushSubnormal} to the local {@code x} of this type without
   * a branch (in the scalar backend's one-example rows, whose loops C2 vectorizes, the batch-1
   * MLP step ran 1.9× as fast as with a conditional). B, the number just above 2^-102 (float;
   * 2^-969 double), has the smallest normal number as its half ulp, so |x| + B rounds to B for
   * a subnormal |x| and to at least B plus twice the smallest normal for any larger |x| (the
   * smallest normal itself is a tie, which rounds away from B's odd last bit); subtracting B
   * leaves 0 or at least that, which 2^126 (2^1022) scales to at least 1, and x times min(1,
   * that) is x, or ±0 for a subnormal x (NaN and infinities stay). {@code SubnormalFlushTest}
   * checks it against {@link #flushSubnormal}.
   */
  public String flushStatement(String x) {
    return x + " = " + x + " * Math.min(" + literal(1) + ", (Math.abs(" + x + ") + "
        + flushOffset() + " - " + flushOffset() + ") * " + flushScale() + ")";
  }

  /**
   * {@link #flushStatement} as a conditional: cheaper in straight-line (unrolled) code. A call of
   * {@code NetcMath.flushSubnormal}, whose one branch profile every site shares (see there: a
   * conditional written at each site had C2 recompile the step once per site).
   */
  public String branchingFlushStatement(String x) {
    return x + " = " + NetcMath.class.getName() + ".flushSubnormal(" + x + ")";
  }

  /**
   * {@link #flushStatement} for the Vector API vector {@code x} of this type: a mask compare and
   * blend, three operations (the arithmetic of {@link #flushStatement} takes six, and every
   * Vector API operation inlined into a step adds to the traps C2 counts against it).
   */
  public String vectorFlushStatement(String x) {
    return x + " = " + x + ".blend(" + literal(0) + ", " + x + ".abs().lt(" + minNormalConstant()
        + "))";
  }

  /** B of {@link #flushStatement}: the number just above 2^-102 (float) or 2^-969 (double). */
  private String flushOffset() {
    return this == FLOAT ? "0x1.000002p-102f" : "0x1.0000000000001p-969";
  }

  /** The scale of {@link #flushStatement}: 2^126 (float) or 2^1022 (double). */
  private String flushScale() {
    return this == FLOAT ? "0x1p126f" : "0x1p1022";
  }

  /** A Java literal of this type for {@code v}, e.g. {@code 0.5f} or {@code 0.5}. */
  public String literal(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      throw new IllegalArgumentException("not a finite literal: " + v);
    }
    return this == FLOAT ? Decimals.ofFloat((float) v) + literalSuffix : Decimals.of(v);
  }

  /** Wraps a double-valued Java expression so that it yields this type. */
  public String cast(String doubleExpr) {
    return this == FLOAT ? "(float) (" + doubleExpr + ")" : doubleExpr;
  }
}
