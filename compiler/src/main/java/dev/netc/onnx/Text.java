package dev.netc.onnx;

/** Text from a model file, made safe for one-line messages and {@code .net} comments. */
final class Text {
  private static final int MAX_CODE_POINTS = 200;

  private Text() {}

  /** {@code s} on one line: control and line-separator characters become '?', cut at 200. */
  static String oneLine(String s) {
    if (s == null) {
      return "no detail";
    }
    StringBuilder sb = new StringBuilder();
    s.codePoints().limit(MAX_CODE_POINTS).forEach(c -> sb.appendCodePoint(
        Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || c == 0x85 ? '?' : c));
    if (s.codePointCount(0, s.length()) > MAX_CODE_POINTS) {
      sb.append("...");
    }
    return sb.toString();
  }

  /** A name from the file in quotes, e.g. {@code '/fc1/Gemm'}, or {@code (unnamed)}. */
  static String quote(String name) {
    return name.isEmpty() ? "(unnamed)" : "'" + oneLine(name) + "'";
  }
}
