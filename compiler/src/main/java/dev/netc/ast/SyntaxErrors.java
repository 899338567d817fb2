package dev.netc.ast;

import dev.netc.diag.Reporter;
import java.util.HashSet;
import java.util.Set;
import org.antlr.v4.runtime.Token;

/**
 * Where lexer and parser errors go. Keeps only the first syntax error of each line: after one
 * mistake the rest of a line is usually noise from error recovery, not a second mistake.
 */
final class SyntaxErrors {
  private static final int MAX_QUOTE = 40;

  private final Reporter reporter;
  private final Set<Integer> lines = new HashSet<>();

  SyntaxErrors(Reporter reporter) {
    this.reporter = reporter;
  }

  /** Records an error unless the line already has a syntax error. */
  void error(int line, int column, int length, String message) {
    if (lines.add(line)) {
      reporter.error(line, column, length, message);
    }
  }

  /** Records an error that underlines {@code token}. */
  void error(Token token, String message) {
    error(token.getLine(), token.getCharPositionInLine() + 1, length(token), message);
  }

  /** Records an error just after {@code token}, where something is missing. */
  void errorAfter(Token token, String message) {
    error(token.getLine(), token.getCharPositionInLine() + 1 + length(token), 1, message);
  }

  /** The number of characters a token covers on its first line. */
  static int length(Token token) {
    String text = token.getText();
    if (text == null || token.getType() == Token.EOF) {
      return 1;
    }
    int newline = text.indexOf('\n');
    return Math.max(1, newline < 0 ? text.length() : newline);
  }

  /** A token as quoted in a message: {@code 'relu'} or {@code end of file}. */
  static String quote(Token token) {
    if (token.getType() == Token.EOF) {
      return "end of file";
    }
    return quote(token.getText());
  }

  /** Text quoted for a message, shortened if long and with control characters escaped. */
  static String quote(String text) {
    String shown = text.length() > MAX_QUOTE ? text.substring(0, MAX_QUOTE) + "..." : text;
    StringBuilder sb = new StringBuilder("'");
    shown.codePoints().forEach(cp -> {
      if (Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT) {
        sb.append(String.format("\\u%04x", cp));
      } else {
        sb.appendCodePoint(cp);
      }
    });
    return sb.append('\'').toString();
  }
}
