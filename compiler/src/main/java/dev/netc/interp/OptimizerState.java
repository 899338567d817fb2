package dev.netc.interp;

import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.runtime.TensorSpec;
import java.util.Arrays;
import java.util.List;

/**
 * The mutable state of a {@code torch.optim} optimizer over a flat parameter vector: its buffers
 * (one array per {@link Optimizer#stateBuffers()} entry), the step count and the learning rate.
 * The update rule itself is {@link Optimizer#step}'s. It persists across steps until
 * {@link #reset()}, which keeps the learning rate.
 */
final class OptimizerState {
  private final Optimizer optimizer;
  private final Precision p;
  private final double[][] buffers;
  private long steps;
  private double learningRate;

  /** A fresh state for {@code optimizer} over {@code size} parameters in {@code precision}. */
  OptimizerState(Optimizer optimizer, int size, Precision precision) {
    this.optimizer = optimizer;
    this.p = precision;
    this.buffers = new double[optimizer.stateBuffers().size()][size];
    this.learningRate = optimizer.lr();
  }

  private OptimizerState(OptimizerState source) {
    this.optimizer = source.optimizer;
    this.p = source.p;
    this.buffers = new double[source.buffers.length][];
    for (int b = 0; b < buffers.length; b++) {
      buffers[b] = source.buffers[b].clone();
    }
    this.steps = source.steps;
    this.learningRate = source.learningRate;
  }

  /** An independent copy of this state (buffers, step count and learning rate). */
  OptimizerState copy() {
    return new OptimizerState(this);
  }

  /** Updates {@code params} in place from {@code grad} (which is left unchanged). */
  void step(double[] params, double[] grad) {
    steps++;
    optimizer.step(params, grad, buffers, steps, learningRate, p);
  }

  /** Forgets the buffers and the step count, as a freshly constructed optimizer. */
  void reset() {
    for (double[] b : buffers) {
      Arrays.fill(b, 0.0);
    }
    steps = 0;
  }

  long steps() {
    return steps;
  }

  void setSteps(long count) {
    if (count < 0) {
      throw new IllegalArgumentException("optimizer step count " + count + " is negative");
    }
    steps = count;
  }

  double learningRate() {
    return learningRate;
  }

  void setLearningRate(double lr) {
    if (!(lr > 0) || Double.isInfinite(lr)) {
      throw new IllegalArgumentException("learning rate " + lr + " must be finite and > 0");
    }
    learningRate = lr;
  }

  /**
   * Copies the buffers into {@code state} (when {@code into}) or from it, packed as the network's
   * optimizer state layout: per tensor of {@code parameters}, its slice of every buffer in turn;
   * {@code total} is that layout's size.
   */
  void transfer(double[] state, List<TensorSpec> parameters, int total, boolean into) {
    if (state.length != total) {
      throw new IllegalArgumentException("optimizer state array has length " + state.length
          + " but must have length " + total);
    }
    int off = 0;
    for (TensorSpec t : parameters) {
      for (double[] buffer : buffers) {
        for (int i = 0; i < t.size(); i++) {
          if (into) {
            state[off + i] = buffer[t.offset() + i];
          } else {
            buffer[t.offset() + i] = p.round(state[off + i]);
          }
        }
        off += t.size();
      }
    }
  }
}
