package dev.netc.runtime.train;

/** Receives a {@link Trainer}'s progress, on the thread that called {@code fit}. */
@FunctionalInterface
public interface TrainingListener {

  /** After each epoch, once it was validated (and its checkpoint written). */
  void onEpoch(EpochReport report);

  /** After each optimizer step; {@code meanLoss} is the epoch's mean batch loss so far. */
  default void onStep(int epoch, int epochs, int step, int steps, double meanLoss) {}
}
