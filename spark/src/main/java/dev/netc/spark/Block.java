package dev.netc.spark;

import java.io.Serializable;

/**
 * One partition's training rows as primitive arrays, row-major: what {@link TrainingData} caches
 * after its first pass, so that no step converts Spark rows again.
 *
 * @param partition the partition index
 * @param inputs {@code count × inputSize} inputs
 * @param targets {@code count × targetWidth} targets (class indices for cross_entropy)
 * @param count number of rows
 */
public record Block(int partition, float[] inputs, float[] targets, int count)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Copies the rows at {@code order[from .. from+size)} into the first rows of {@code xs} and
   * {@code ts}.
   */
  void gather(int[] order, int from, int size, int inputSize, int targetWidth, float[] xs,
      float[] ts) {
    for (int i = 0; i < size; i++) {
      int row = order[from + i];
      System.arraycopy(inputs, row * inputSize, xs, i * inputSize, inputSize);
      System.arraycopy(targets, row * targetWidth, ts, i * targetWidth, targetWidth);
    }
  }
}
