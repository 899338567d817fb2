package dev.netc.ast;

/** The value of an option: a number or a word such as {@code true} or {@code sum}. */
public sealed interface Value {

  /** Where the value was written. */
  Pos pos();

  /** The value as the user wrote it, for messages. */
  String text();

  /**
   * A number exactly as written, sign included (e.g. {@code -0.5}, {@code 1e-8}); the checker
   * decides whether it must be an integer and whether it is in range.
   */
  record NumberValue(String text, Pos pos) implements Value {}

  /** A word, e.g. {@code true} or {@code mean}. */
  record WordValue(String text, Pos pos) implements Value {}
}
