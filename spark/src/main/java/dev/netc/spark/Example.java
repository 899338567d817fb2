package dev.netc.spark;

import java.io.Serializable;

/**
 * One training row as Spark's bean encoder reads it: inputs and targets as primitive arrays
 * (no boxed elements on the way from Parquet or CSV).
 */
public final class Example implements Serializable {
  private static final long serialVersionUID = 1L;
  private float[] inputs;
  private float[] targets;

  /** The inputs (null when the row's features are null). */
  public float[] getInputs() {
    return inputs;
  }

  /** Sets the inputs (used by the encoder). */
  public void setInputs(float[] inputs) {
    this.inputs = inputs;
  }

  /** The targets (null when the row's label is null). */
  public float[] getTargets() {
    return targets;
  }

  /** Sets the targets (used by the encoder). */
  public void setTargets(float[] targets) {
    this.targets = targets;
  }
}
