package dev.netc.cli;

/**
 * A mistake in the user's input (a file, a data row, a flag combination): printed as one clear
 * message, exit code 1, never a stack trace.
 */
final class UserException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The exit code: {@link Netc#INPUT_ERROR}, or 2 for a request netc cannot serve as asked. */
  final int exitCode;

  UserException(String message) {
    this(message, Netc.INPUT_ERROR);
  }

  private UserException(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  /** A usage error (exit code 2), e.g. generated code asked for where only the interpreter runs. */
  static UserException usage(String message) {
    return new UserException(message, Netc.USAGE_ERROR);
  }
}
