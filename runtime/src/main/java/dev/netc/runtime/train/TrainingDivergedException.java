package dev.netc.runtime.train;

/**
 * Training produced a loss or a parameter that is NaN or infinite; the message says where (e.g.
 * {@code training diverged in epoch 3, step 7 of 12: the loss is NaN}).
 */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with a one-line message. */
  public TrainingDivergedException(String message) {
    super(message);
  }
}
