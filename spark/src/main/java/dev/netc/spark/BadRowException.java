package dev.netc.spark;

/**
 * A row of the input data that a network cannot use (wrong width, NaN or infinite value, class
 * index out of range, null); the message names the row's partition and its position in it.
 */
public final class BadRowException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** A message that starts with "partition P, row R: ". */
  public BadRowException(int partition, long row, String problem) {
    super("partition " + partition + ", row " + row + ": " + problem);
  }

  private BadRowException(String message) {
    super(message);
  }

  /**
   * Throws the first {@code BadRowException} in {@code failure}'s cause chain (Spark wraps a
   * task's exception in a job failure) as a new one with the same message, so the caller sees
   * one line instead of Spark's stage report; returns quietly when there is none.
   */
  static void rethrowIfCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BadRowException bad) {
        throw new BadRowException(bad.getMessage());
      }
    }
  }
}
