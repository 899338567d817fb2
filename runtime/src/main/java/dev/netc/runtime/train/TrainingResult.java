package dev.netc.runtime.train;

import java.util.List;

/**
 * The outcome of {@link Trainer#fit}.
 *
 * @param history every epoch so far, those restored from a checkpoint included (with time 0)
 * @param bestEpoch the epoch with the lowest validation loss, or 0 without validation
 * @param stoppedEarly whether early stopping ended training before the planned epochs
 * @param restoredBest whether the parameters were reset to those of {@code bestEpoch}
 */
public record TrainingResult(List<EpochReport> history, int bestEpoch, boolean stoppedEarly,
    boolean restoredBest) {

  /** Copies the history. */
  public TrainingResult {
    history = List.copyOf(history);
  }

  /** The last epoch, or null when no epoch was trained. */
  public EpochReport last() {
    return history.isEmpty() ? null : history.get(history.size() - 1);
  }

  /** Time spent in optimizer steps over all epochs of this run. */
  public long trainingNanos() {
    return history.stream().mapToLong(EpochReport::nanos).sum();
  }
}
