package dev.netc.codegen;

import com.palantir.javapoet.FieldSpec;

/** Makes user text (file names, layer names) safe inside a generated javadoc comment. */
final class Javadoc {
  private Javadoc() {}

  /** {@code field} with the one-line javadoc {@code text}, escaped. */
  static FieldSpec on(FieldSpec field, String text) {
    return field.toBuilder().addJavadoc("$L\n", escape(text)).build();
  }

  /**
   * Escapes {@code text} so it cannot end the comment ({@code *}{@code /}), start a unicode escape
   * (javac decodes {@code \}{@code u} even in comments), open an HTML tag or a javadoc tag, break
   * the line, or change how an editor displays it (bidi controls, Unicode line separators).
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
        default -> {
          if (c < 0x20) {
            sb.append(' ');
          } else if (invisible(c)) {
            // Shown, not obeyed: a bidi override or line separator would make an editor display
            // the comment differently from what javac reads.
            sb.append("&#").append((int) c).append(';');
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }

  private static boolean invisible(char c) {
    int type = Character.getType(c);
    return Character.isISOControl(c) || type == Character.FORMAT
        || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
  }
}
