package dev.netc.check;

import dev.netc.ast.Dimensions;
import dev.netc.ast.Pos;
import dev.netc.ast.Value;
import dev.netc.diag.Reporter;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Reads the sizes a network is written with: plain integers and {@code x}-separated sizes. */
final class Sizes {
  /** The largest input, layer, channel, kernel, stride or padding size. */
  static final int MAX_SIZE = 65536;

  private final Reporter reporter;

  Sizes(Reporter reporter) {
    this.reporter = reporter;
  }

  /** Checks a size: a plain integer in [1, MAX_SIZE]. */
  OptionalInt size(Optional<Value.NumberValue> value, String what) {
    if (value.isEmpty()) {
      return OptionalInt.empty();
    }
    Value.NumberValue v = value.get();
    Optional<BigInteger> i = Numbers.integer(v);
    if (i.isEmpty()) {
      error(v.pos(), what + " must be an integer, got '" + v.text() + "'");
      return OptionalInt.empty();
    }
    return inRange(i.get(), 1, what, v.text(), v.pos());
  }

  /** Checks an option's integer value in [{@code min}, MAX_SIZE]. */
  OptionalInt option(Value v, int min, String what) {
    Optional<BigInteger> i = Numbers.integer(v);
    if (i.isEmpty()) {
      error(v.pos(), what + " must be an integer, got '" + v.text() + "'");
      return OptionalInt.empty();
    }
    return inRange(i.get(), min, what, v.text(), v.pos());
  }

  /**
   * Checks {@code KxK…} sizes: exactly {@code names.size()} parts, each in [1, MAX_SIZE]; every
   * bad part is reported.
   *
   * @param names what each part is, e.g. {@code [kernel height, kernel width]}
   * @param form the expected form for the message, e.g. {@code KHxKW such as 3x3}
   */
  Optional<int[]> dimensions(Dimensions d, List<String> names, String form) {
    List<String> parts = d.parts();
    if (parts.size() != names.size()) {
      error(d.pos(), "expected " + form + ", got '" + d.text() + "'");
      return Optional.empty();
    }
    int[] out = new int[parts.size()];
    boolean ok = true;
    for (int i = 0; i < out.length; i++) {
      OptionalInt v = inRange(new BigInteger(parts.get(i)), 1, names.get(i), parts.get(i),
          d.pos());
      ok &= v.isPresent();
      out[i] = v.orElse(0);
    }
    return ok ? Optional.of(out) : Optional.empty();
  }

  private OptionalInt inRange(BigInteger i, int min, String what, String text, Pos pos) {
    if (i.compareTo(BigInteger.valueOf(min)) < 0) {
      error(pos, what + " must be at least " + min + ", got '" + text + "'");
    } else if (i.compareTo(BigInteger.valueOf(MAX_SIZE)) > 0) {
      error(pos, what + " '" + text + "' is too large; the limit is " + MAX_SIZE);
    } else {
      return OptionalInt.of(i.intValue());
    }
    return OptionalInt.empty();
  }

  private void error(Pos p, String message) {
    reporter.error(p.line(), p.column(), p.length(), message);
  }
}
