package dev.netc.runtime.io;

import java.io.IOException;

/**
 * A data file (CSV or IDX) that netc cannot use. The message is meant for users:
 * {@code FILE:LINE: what is wrong} for CSV rows, {@code FILE: what is wrong} otherwise.
 */
public final class DatasetException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;
  private final String detail;

  /** An error about a whole file or stream. */
  public DatasetException(String source, String detail) {
    this(source, 0, detail);
  }

  /** An error about 1-based line {@code line} of {@code source} (0 when no line applies). */
  public DatasetException(String source, int line, String detail) {
    super(source + (line > 0 ? ":" + line : "") + ": " + detail);
    this.source = source;
    this.line = line;
    this.detail = detail;
  }

  /** The file name or label the error is about. */
  public String source() {
    return source;
  }

  /** The 1-based line number, or 0 when the error is not about one line. */
  public int line() {
    return line;
  }

  /** The message without the source and line prefix. */
  public String detail() {
    return detail;
  }
}
