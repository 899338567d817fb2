package dev.netc.check;

import dev.netc.ast.Value;
import java.math.BigInteger;
import java.util.Optional;

/** Reads integers as written: only plain digits with an optional sign count as an integer. */
final class Numbers {
  private Numbers() {}

  /** The integer a value spells, or empty if it is a word, a decimal or has an exponent. */
  static Optional<BigInteger> integer(Value v) {
    if (!(v instanceof Value.NumberValue)) {
      return Optional.empty();
    }
    String text = v.text();
    String digits = text.startsWith("+") || text.startsWith("-") ? text.substring(1) : text;
    if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Optional.empty();
    }
    return Optional.of(new BigInteger(text.startsWith("+") ? digits : text));
  }
}
