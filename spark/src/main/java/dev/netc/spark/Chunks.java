package dev.netc.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;

/**
 * Runs a network over a partition's iterator in chunks of rows, so each chunk is one
 * {@code predictBatch} call and the partition is never held in memory whole.
 *
 * @param <I> an input element
 * @param <O> an output element
 */
abstract class Chunks<I, O> implements Iterator<O> {
  /** Rows per {@code predictBatch} call. */
  static final int CHUNK = 256;

  private final Iterator<I> in;
  private final List<I> chunk = new ArrayList<>(CHUNK);
  private final List<O> out = new ArrayList<>(CHUNK);
  private final int partition;
  private float[] xs;
  private int next;
  private long row;

  Chunks(Iterator<I> in) {
    this.in = in;
    TaskContext task = TaskContext.get();
    this.partition = task == null ? 0 : task.partitionId();
  }

  /** The inputs of {@code element} (row {@code row} of {@code partition}), checked. */
  abstract float[] inputs(I element, int partition, long row);

  /** Computes the outputs of {@code chunk}, whose inputs are the rows of {@code xs}. */
  abstract void run(List<I> chunk, float[] xs, List<O> out);

  /** Inputs per row. */
  abstract int inputSize();

  @Override
  public boolean hasNext() {
    if (next < out.size()) {
      return true;
    }
    if (!in.hasNext()) {
      return false;
    }
    chunk.clear();
    out.clear();
    next = 0;
    int width = inputSize();
    if (xs == null) {
      xs = new float[CHUNK * width];
    }
    while (chunk.size() < CHUNK && in.hasNext()) {
      I element = in.next();
      System.arraycopy(inputs(element, partition, row++), 0, xs, chunk.size() * width, width);
      chunk.add(element);
    }
    run(chunk, xs, out);
    return true;
  }

  @Override
  public O next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return out.get(next++);
  }
}
