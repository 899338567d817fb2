package dev.netc.interp;

import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;

/**
 * The mutable state of a {@code torch.optim} optimizer over a flat parameter vector (momentum
 * buffers, Adam moments, step count). It persists across steps until {@link #reset()}.
 *
 * <p>Per-element arithmetic is rounded to the network's precision after every operation, as float
 * code would compute it; per-step scalars (Adam's bias corrections) are computed in double, as
 * torch computes them in Python, then rounded once.
 */
public sealed interface OptimizerState permits SgdState, AdamState {

  /** A fresh state for {@code optimizer} over {@code size} parameters in {@code precision}. */
  static OptimizerState create(Optimizer optimizer, int size, Precision precision) {
    // Java 17 has no pattern switch; Optimizer is sealed, so these two cases are all.
    if (optimizer instanceof Optimizer.Sgd sgd) {
      return new SgdState(sgd, size, precision);
    }
    return new AdamState((Optimizer.Adam) optimizer, size, precision);
  }

  /** Updates {@code params} in place from {@code grad} (which is left unchanged). */
  void step(double[] params, double[] grad);

  /** An independent copy of this state (buffers and step count). */
  OptimizerState copy();

  /** Forgets all state, as a freshly constructed optimizer. */
  void reset();

  /** Number of steps taken since construction or the last reset. */
  long steps();

  /** Sets the step count, as a resumed checkpoint needs it. */
  void setSteps(long steps);

  /** The learning rate of the next step (unrounded; float code rounds it per step). */
  double learningRate();

  /** Sets the learning rate of the following steps. */
  void setLearningRate(double lr);

  /**
   * The state buffers as torch names them ({@code momentum_buffer}, or {@code exp_avg} and
   * {@code exp_avg_sq}), in the order of {@link #buffers()}.
   */
  String[] bufferNames();

  /** The live buffers, each over the whole flat parameter vector. */
  double[][] buffers();
}
