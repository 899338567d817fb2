package dev.netc.cli;

/**
 * A mistake in the user's input (a file, a data row, a flag combination): printed as one clear
 * message, exit code 1, never a stack trace.
 */
final class UserException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UserException(String message) {
    super(message, null, false, false);
  }
}
