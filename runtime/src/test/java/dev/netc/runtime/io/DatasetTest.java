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

  /** Every byte value once (rows of 4), classes i % 3: the bytes 0–255 as unit inputs. */
  private static Dataset allBytes(Dataset.Type type) {
    byte[] x = new byte[256];
    for (int b = 0; b < 256; b++) {
      x[b] = (byte) b;
    }
    float[] t = new float[64];
    for (int i = 0; i < 64; i++) {
      t[i] = i % 3;
    }
    Dataset d = Dataset.ofUnitBytes(x, t, 4, 1, 3);
    return d.as(type);
  }

  @Test
  void byteInputsGatherAsTheFloatsAndDoublesThatReadingThemGives() {
    int[] order = allBytes(Dataset.Type.FLOAT).order();
    Dataset.shuffle(order, new SplitMix64(7));
    for (boolean widened : new boolean[] {false, true}) {
      Dataset f = allBytes(Dataset.Type.FLOAT);
      Dataset d = allBytes(Dataset.Type.DOUBLE);
      assertEquals(Dataset.Type.FLOAT, f.type());
      assertEquals(Dataset.Type.DOUBLE, d.type());
      if (widened) {
        f.widenInputs();
        d.widenInputs();
      }
      float[] xs = new float[12];
      float[] ts = new float[3];
      double[] dxs = new double[12];
      double[] dts = new double[3];
      for (int from = 0; from + 3 <= 64; from += 3) {
        f.gather(order, from, 3, xs, ts);
        d.gather(order, from, 3, dxs, dts);
        for (int b = 0; b < 3; b++) {
          int row = order[from + b];
          for (int i = 0; i < 4; i++) {
            int value = 4 * row + i;
            // Bit for bit what Idx computed before it kept bytes: b / 255f, b / 255.0.
            assertEquals(Float.floatToIntBits(value / 255f),
                Float.floatToIntBits(xs[4 * b + i]), "byte " + value);
            assertEquals(Double.doubleToLongBits(value / 255.0),
                Double.doubleToLongBits(dxs[4 * b + i]), "byte " + value);
          }
          assertEquals(row % 3, ts[b]);
          assertEquals(row % 3, dts[b]);
        }
        f.copyRows(from, 3, xs, ts);
        d.copyRows(from, 3, dxs, dts);
        for (int i = 0; i < 12; i++) {
          assertEquals((4 * from + i) / 255f, xs[i]);
          assertEquals((4 * from + i) / 255.0, dxs[i]);
        }
      }
    }
  }

  @Test
  void byteInputsWidenOnceSliceAndConvertTheirType() {
    Dataset f = allBytes(Dataset.Type.FLOAT);
    float[] all = f.floatInputs();
    assertSame(all, f.floatInputs(), "converted once, then shared");
    f.widenInputs();
    assertSame(all, f.floatInputs());
    for (int b = 0; b < 256; b++) {
      assertEquals(b / 255f, all[b]);
    }
    Dataset s = allBytes(Dataset.Type.DOUBLE).slice(10, 12);
    assertEquals(2, s.count());
    assertEquals(Dataset.Type.DOUBLE, s.type());
    assertArrayEquals(new double[] {40 / 255.0, 41 / 255.0, 42 / 255.0, 43 / 255.0,
        44 / 255.0, 45 / 255.0, 46 / 255.0, 47 / 255.0}, s.doubleInputs());
    assertEquals(1, s.label(0));
    assertEquals(2, s.label(1));
    assertEquals("64 examples of 4 inputs and a class index (3 classes) as double",
        allBytes(Dataset.Type.DOUBLE).toString());
    // The type is the targets': a float gather on a double dataset is refused as before.
    assertThrows(IllegalStateException.class,
        () -> allBytes(Dataset.Type.DOUBLE).gather(new int[] {0}, 0, 1, new float[4],
            new float[1]));
    assertThrows(IllegalStateException.class,
        () -> allBytes(Dataset.Type.FLOAT).copyRows(0, 1, new double[4], new double[1]));
    assertThrows(IndexOutOfBoundsException.class,
        () -> allBytes(Dataset.Type.FLOAT).copyRows(63, 2, new float[8], new float[2]));
    assertThrows(IllegalArgumentException.class,
        () -> Dataset.ofUnitBytes(new byte[5], new float[2], 2, 1, 0));
  }
}
