package dev.netc.runtime.io;

import java.io.IOException;

/**
 * A safetensors file that netc cannot use: malformed, hostile, or not matching the network. The
 * message is meant for users: {@code SOURCE: what is wrong}, lower-case, quoting the bad input.
 */
public final class SafetensorsException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String detail;

  /** An error about {@code source} (a file name or other label) described by {@code detail}. */
  public SafetensorsException(String source, String detail) {
    super(source + ": " + detail);
    this.source = source;
    this.detail = detail;
  }

  /** The file name or label the error is about. */
  public String source() {
    return source;
  }

  /** The message without the source prefix. */
  public String detail() {
    return detail;
  }
}
