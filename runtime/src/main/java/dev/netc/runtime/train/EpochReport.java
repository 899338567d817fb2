package dev.netc.runtime.train;

/**
 * What one epoch of training gave.
 *
 * @param epoch 1-based epoch number
 * @param epochs the planned number of epochs
 * @param trainLoss mean of the batch losses of the epoch, weighted by batch size
 * @param validationLoss loss on the validation data after the epoch, or NaN without any
 * @param validationAccuracy accuracy on the validation data, or NaN (none, or no accuracy)
 * @param learningRate the learning rate this epoch trained with
 * @param nanos time spent in optimizer steps (0 for epochs restored from a checkpoint)
 * @param examples training examples per epoch
 * @param best whether this epoch has the lowest validation loss so far
 */
public record EpochReport(int epoch, int epochs, double trainLoss, double validationLoss,
    double validationAccuracy, double learningRate, long nanos, int examples, boolean best) {

  /** Whether the epoch was evaluated on validation data. */
  public boolean hasValidation() {
    return !Double.isNaN(validationLoss);
  }

  /** Training examples per second in this epoch's steps. */
  public double samplesPerSecond() {
    return examples / (nanos / 1e9);
  }
}
