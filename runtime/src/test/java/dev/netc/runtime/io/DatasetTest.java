package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netc.runtime.SplitMix64;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DatasetTest {

  /** Five rows of two inputs (row i holds 10i, 10i + 1) and one class index i % 3. */
  private static Dataset five() {
    float[] x = new float[10];
    float[] t = new float[5];
    for (int i = 0; i < 5; i++) {
      x[2 * i] = 10 * i;
      x[2 * i + 1] = 10 * i + 1;
      t[i] = i % 3;
    }
    return Dataset.ofFloats(x, t, 2, 1, 3);
  }

  @Test
  void shuffleIsADeterministicPermutation() {
    Dataset d = five();
    int[] a = d.order();
    int[] b = d.order();
    Dataset.shuffle(a, new SplitMix64(42));
    Dataset.shuffle(b, new SplitMix64(42));
    assertArrayEquals(a, b);
    int[] sorted = a.clone();
    Arrays.sort(sorted);
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, sorted);
    int[] c = d.order();
    Dataset.shuffle(c, new SplitMix64(43));
    int[] e = d.order();
    Dataset.shuffle(e, new SplitMix64(44));
    // Three seeds giving the same order of five items would be a broken shuffle.
    assertFalse(Arrays.equals(a, c) && Arrays.equals(c, e));
  }

  @Test
  void gatherCopiesRowsInOrderIntoBatchBuffers() {
    Dataset d = five();
    int[] order = {4, 0, 3, 1, 2};
    float[] xs = new float[4];
    float[] ts = new float[2];
    d.gather(order, 2, 2, xs, ts);
    assertArrayEquals(new float[] {30, 31, 10, 11}, xs);
    assertArrayEquals(new float[] {0, 1}, ts);
    Dataset dd = d.as(Dataset.Type.DOUBLE);
    double[] dxs = new double[4];
    double[] dts = new double[2];
    dd.gather(order, 0, 2, dxs, dts);
    assertArrayEquals(new double[] {40, 41, 0, 1}, dxs);
    assertArrayEquals(new double[] {1, 0}, dts);
    assertSame(dd, dd.as(Dataset.Type.DOUBLE));
  }

  @Test
  void sliceAndValidation() {
    Dataset d = five();
    Dataset s = d.slice(3, 5);
    assertEquals(2, s.count());
    assertArrayEquals(new float[] {30, 31, 40, 41}, s.floatInputs());
    assertEquals(1, s.label(1));
    assertEquals("5 examples of 2 inputs and a class index (3 classes) as float", d.toString());
    assertThrows(IllegalArgumentException.class,
        () -> Dataset.ofFloats(new float[5], new float[2], 2, 1, 0));
    assertThrows(IllegalArgumentException.class,
        () -> Dataset.ofDoubles(new double[4], new double[3], 2, 1, 0));
    assertThrows(IllegalArgumentException.class,
        () -> Dataset.ofDoubles(new double[4], new double[4], 2, 2, 3));
    assertThrows(IllegalStateException.class,
        () -> Dataset.ofDoubles(new double[4], new double[4], 2, 2, 0).label(0));
  }
}
