package dev.netc.runtime.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense row-major tensor of any rank (0 for a scalar such as {@code loss}) with its element
 * type. Values are held as doubles; an {@link Dtype#F32} tensor holds only float-representable
 * values (they are rounded on construction), so a float round trip is exact.
 */
public record Tensor(Dtype dtype, int[] shape, double[] data) {

  /** Validates that the shape matches the data and copies both arrays. */
  public Tensor {
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
    long n = elementCount(shape);
    if (n != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
    }
    data = data.clone();
    if (dtype == Dtype.F32) {
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) data[i];
      }
    }
  }

  /** An {@link Dtype#F32} tensor holding a copy of {@code data}. */
  public static Tensor ofFloats(int[] shape, float[] data) {
    double[] d = new double[data.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = data[i];
    }
    return new Tensor(Dtype.F32, shape, d);
  }

  /** An {@link Dtype#F64} tensor holding a copy of {@code data}. */
  public static Tensor ofDoubles(int[] shape, double[] data) {
    return new Tensor(Dtype.F64, shape, data);
  }

  /** A 0-dimensional tensor (shape {@code []}) holding one value. */
  public static Tensor scalar(Dtype dtype, double value) {
    return new Tensor(dtype, new int[0], new double[] {value});
  }

  /** The product of the dimensions (1 for rank 0); rejects negative or overflowing shapes. */
  static long elementCount(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("too many elements in " + Arrays.toString(shape));
      }
    }
    return n;
  }

  /** Returns a copy of the shape. */
  @Override
  public int[] shape() {
    return shape.clone();
  }

  /** Returns a copy of the values, row-major. */
  @Override
  public double[] data() {
    return data.clone();
  }

  /** Number of dimensions (0 for a scalar). */
  public int rank() {
    return shape.length;
  }

  /** Number of elements. */
  public int size() {
    return data.length;
  }

  /** Element {@code i} of the row-major data. */
  public double get(int i) {
    return data[i];
  }

  /** Whether the shape is exactly {@code expected}. */
  public boolean hasShape(int... expected) {
    return Arrays.equals(shape, expected);
  }

  /** The values rounded to float. */
  public float[] toFloatArray() {
    float[] f = new float[data.length];
    copyTo(f, 0);
    return f;
  }

  /** Copies the values, rounded to float, into {@code dst} starting at {@code offset}. */
  public void copyTo(float[] dst, int offset) {
    Objects.checkFromIndexSize(offset, data.length, dst.length);
    for (int i = 0; i < data.length; i++) {
      dst[offset + i] = (float) data[i];
    }
  }

  /** Copies the values into {@code dst} starting at {@code offset}. */
  public void copyTo(double[] dst, int offset) {
    System.arraycopy(data, 0, dst, offset, data.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && t.dtype == dtype
        && Arrays.equals(t.shape, shape)
        && Arrays.equals(t.data, data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    return dtype + Arrays.toString(shape);
  }
}
