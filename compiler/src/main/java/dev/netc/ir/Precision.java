package dev.netc.ir;

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
