package dev.netc.runtime.train;

/** Receives a {@link Trainer}'s progress, on the thread that called {@code fit}. */
@FunctionalInterface
public interface TrainingListener {

  /** After each epoch, once it was validated (and its checkpoint written). */
  void onEpoch(EpochReport report);

  /** After each optimizer step; {@code meanLoss} is the epoch's mean batch loss so far. */
  default void onStep(int epoch, int epochs, int step, int steps, double meanLoss) {}

  /**
   * When the warm-up ends ({@link Trainer.Builder#warmUp}): its {@code steps} first steps (a
   * split step's parts on one core) took {@code nanos}, which the epochs they ran in count too.
   */
  default void onWarmUp(int steps, long nanos) {}
}
