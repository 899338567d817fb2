package dev.netc.ast;

/**
 * A place in a {@code .net} file: 1-based line and column, and the length of the text (at least 1)
 * so that a diagnostic can underline all of it.
 */
public record Pos(int line, int column, int length) {

  /** Clamps the position to valid values, so a diagnostic can always be built from it. */
  public Pos {
    line = Math.max(1, line);
    column = Math.max(1, column);
    length = Math.max(1, length);
  }

  /** A position that covers this one and {@code end}, when both are on the same line. */
  public Pos to(Pos end) {
    if (end.line != line || end.column < column) {
      return this;
    }
    return new Pos(line, column, end.column + end.length - column);
  }
}
