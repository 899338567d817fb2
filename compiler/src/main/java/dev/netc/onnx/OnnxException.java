package dev.netc.onnx;

/**
 * An ONNX model netc cannot read or import: a malformed file, an unsupported operator or graph
 * shape. The message is one line, for the user, without the file name (the caller adds it).
 */
public final class OnnxException extends Exception {
  private static final long serialVersionUID = 1L;

  /** An exception with a one-line message for the user. */
  public OnnxException(String message) {
    super(message, null, false, false);
  }
}
