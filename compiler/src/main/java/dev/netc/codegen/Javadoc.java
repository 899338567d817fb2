package dev.netc.codegen;

/** Makes user text (file names, layer names) safe inside a generated javadoc comment. */
final class Javadoc {
  private Javadoc() {}

  /**
   * Escapes {@code text} so it cannot end the comment ({@code *}{@code /}), start a unicode escape
   * (javac decodes {@code \}{@code u} even in comments), open an HTML tag or a javadoc tag, or
   * break the line.
   */
  static String escape(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '\\' -> sb.append("&#92;");
        case '@' -> sb.append("&#64;");
        case '/' -> sb.append(i > 0 && text.charAt(i - 1) == '*' ? "&#47;" : "/");
        case '\n', '\r' -> sb.append(' ');
        default -> sb.append(c < 0x20 ? ' ' : c);
      }
    }
    return sb.toString();
  }
}
