package dev.netc.diag;

import java.util.Objects;

/**
 * One message about a {@code .net} file, positioned like javac and gcc: 1-based line and column,
 * and the length of the offending text (at least 1) for the caret line.
 */
public record Diagnostic(
    Severity severity, String file, int line, int column, int length, String message) {

  /** How bad it is. */
  public enum Severity {
    ERROR,
    WARNING;

    /** Lower-case label as printed: {@code error} or {@code warning}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Validates the position. */
  public Diagnostic {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(message, "message");
    if (line < 1 || column < 1) {
      throw new IllegalArgumentException("positions are 1-based");
    }
    length = Math.max(1, length);
  }

  /** The first line: {@code FILE:LINE:COL: error: message}. */
  public String header() {
    return file + ":" + line + ":" + column + ": " + severity.label() + ": " + message;
  }

  /**
   * The header, then the offending source line and a caret under the bad text, e.g.
   *
   * <pre>
   * model.net:3:9: error: unknown activation 'relu6'; did you mean 'relu'?
   *   dense 4 relu6
   *           ^^^^^
   * </pre>
   *
   * @param source the whole text of {@link #file()}
   */
  public String render(String source) {
    String[] lines = source.split("\r\n|\r|\n", -1);
    if (line > lines.length) {
      return header();
    }
    String text = lines[line - 1];
    // Columns count code points (as the lexer does), so step over surrogate pairs as one.
    int[] cps = text.codePoints().toArray();
    StringBuilder caret = new StringBuilder();
    for (int i = 0; i < column - 1 && i < cps.length; i++) {
      caret.append(cps[i] == '\t' ? '\t' : ' ');
    }
    int carets = Math.max(1, Math.min(length, cps.length - (column - 1)));
    caret.append("^".repeat(carets));
    return header() + "\n  " + text + "\n  " + caret;
  }
}
