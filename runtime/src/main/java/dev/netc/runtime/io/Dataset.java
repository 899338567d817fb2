package dev.netc.runtime.io;

import dev.netc.runtime.SplitMix64;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Examples for training or evaluation: {@code count} rows of {@code inputSize} inputs and
 * {@code targetWidth} targets, stored flat and row-major in float or double arrays (one of the
 * two, chosen when reading). Targets are class indices when {@code classCount > 0}, otherwise
 * values. The arrays are shared, not copied: treat them as read-only.
 */
public final class Dataset {

  /** The element type of the arrays. */
  public enum Type {
    /** {@code float[]} arrays, for {@code precision float} networks. */
    FLOAT,
    /** {@code double[]} arrays, for {@code precision double} networks and the interpreter. */
    DOUBLE
  }

  private final int count;
  private final int inputSize;
  private final int targetWidth;
  private final int classCount;
  private final float[] floatInputs;
  private final float[] floatTargets;
  private final double[] doubleInputs;
  private final double[] doubleTargets;

  private Dataset(int inputSize, int targetWidth, int classCount, float[] fx, float[] ft,
      double[] dx, double[] dt) {
    if (inputSize < 1 || targetWidth < 0 || classCount < 0) {
      throw new IllegalArgumentException("bad sizes: inputSize " + inputSize + ", targetWidth "
          + targetWidth + ", classCount " + classCount);
    }
    if (classCount > 0 && targetWidth != 1) {
      throw new IllegalArgumentException("class targets need targetWidth 1, not " + targetWidth);
    }
    int xs = fx != null ? fx.length : dx.length;
    int ts = ft != null ? ft.length : dt.length;
    if (xs % inputSize != 0) {
      throw new IllegalArgumentException(xs + " inputs are not rows of " + inputSize);
    }
    this.count = xs / inputSize;
    if ((long) count * targetWidth != ts) {
      throw new IllegalArgumentException(count + " rows need " + (long) count * targetWidth
          + " targets, got " + ts);
    }
    this.inputSize = inputSize;
    this.targetWidth = targetWidth;
    this.classCount = classCount;
    this.floatInputs = fx;
    this.floatTargets = ft;
    this.doubleInputs = dx;
    this.doubleTargets = dt;
  }

  /**
   * A float dataset over the given arrays (not copied). {@code classCount} is the number of
   * classes when targets are class indices (then {@code targetWidth} is 1), else 0.
   */
  public static Dataset ofFloats(float[] inputs, float[] targets, int inputSize, int targetWidth,
      int classCount) {
    return new Dataset(inputSize, targetWidth, classCount, Objects.requireNonNull(inputs),
        Objects.requireNonNull(targets), null, null);
  }

  /** A double dataset over the given arrays (not copied); see {@link #ofFloats}. */
  public static Dataset ofDoubles(double[] inputs, double[] targets, int inputSize,
      int targetWidth, int classCount) {
    return new Dataset(inputSize, targetWidth, classCount, null, null,
        Objects.requireNonNull(inputs), Objects.requireNonNull(targets));
  }

  /** Number of examples. */
  public int count() {
    return count;
  }

  /** Inputs per example. */
  public int inputSize() {
    return inputSize;
  }

  /** Target values per example (1 for class indices). */
  public int targetWidth() {
    return targetWidth;
  }

  /** Number of classes when targets are class indices, else 0. */
  public int classCount() {
    return classCount;
  }

  /** The element type of the arrays. */
  public Type type() {
    return floatInputs != null ? Type.FLOAT : Type.DOUBLE;
  }

  /** The inputs, row-major (shared); throws unless {@link #type()} is FLOAT. */
  public float[] floatInputs() {
    return requireFloat(floatInputs);
  }

  /** The targets, row-major (shared); throws unless {@link #type()} is FLOAT. */
  public float[] floatTargets() {
    return requireFloat(floatTargets);
  }

  /** The inputs, row-major (shared); throws unless {@link #type()} is DOUBLE. */
  public double[] doubleInputs() {
    return requireDouble(doubleInputs);
  }

  /** The targets, row-major (shared); throws unless {@link #type()} is DOUBLE. */
  public double[] doubleTargets() {
    return requireDouble(doubleTargets);
  }

  /** Class index of example {@code i} (only when {@link #classCount()} &gt; 0). */
  public int label(int i) {
    if (classCount == 0) {
      throw new IllegalStateException("targets are not class indices");
    }
    return floatTargets != null ? (int) floatTargets[i] : (int) doubleTargets[i];
  }

  /** This dataset with arrays of {@code type}: itself, or a converted copy. */
  public Dataset as(Type type) {
    if (type == type()) {
      return this;
    }
    if (type == Type.DOUBLE) {
      return ofDoubles(widen(floatInputs), widen(floatTargets), inputSize, targetWidth,
          classCount);
    }
    return ofFloats(narrow(doubleInputs), narrow(doubleTargets), inputSize, targetWidth,
        classCount);
  }

  /** Examples {@code from} (inclusive) to {@code to} (exclusive) as a new dataset (copied). */
  public Dataset slice(int from, int to) {
    Objects.checkFromToIndex(from, to, count);
    if (floatInputs != null) {
      return ofFloats(copy(floatInputs, from, to, inputSize), copy(floatTargets, from, to,
          targetWidth), inputSize, targetWidth, classCount);
    }
    return ofDoubles(copy(doubleInputs, from, to, inputSize), copy(doubleTargets, from, to,
        targetWidth), inputSize, targetWidth, classCount);
  }

  /** The identity order 0, 1, …, count − 1, to be shuffled with {@link #shuffle}. */
  public int[] order() {
    int[] order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    return order;
  }

  /** Fisher–Yates shuffle of {@code order} with {@code rng}, the same on every JDK. */
  public static void shuffle(int[] order, SplitMix64 rng) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  /**
   * Copies examples {@code order[from]} … {@code order[from + size − 1]} into the batch buffers
   * {@code xs} (size × inputSize) and {@code ts} (size × targetWidth). Allocates nothing.
   */
  public void gather(int[] order, int from, int size, float[] xs, float[] ts) {
    float[] x = floatInputs();
    float[] t = floatTargets();
    for (int b = 0; b < size; b++) {
      int row = order[from + b];
      System.arraycopy(x, row * inputSize, xs, b * inputSize, inputSize);
      System.arraycopy(t, row * targetWidth, ts, b * targetWidth, targetWidth);
    }
  }

  /** Double version of {@link #gather(int[], int, int, float[], float[])}. */
  public void gather(int[] order, int from, int size, double[] xs, double[] ts) {
    double[] x = doubleInputs();
    double[] t = doubleTargets();
    for (int b = 0; b < size; b++) {
      int row = order[from + b];
      System.arraycopy(x, row * inputSize, xs, b * inputSize, inputSize);
      System.arraycopy(t, row * targetWidth, ts, b * targetWidth, targetWidth);
    }
  }

  @Override
  public String toString() {
    return count + " examples of " + inputSize + " inputs and "
        + (classCount > 0 ? "a class index (" + classCount + " classes)" : targetWidth
        + " targets") + " as " + type().name().toLowerCase(Locale.ROOT);
  }

  private <T> T requireFloat(T array) {
    if (array == null) {
      throw new IllegalStateException("this dataset holds doubles; use as(Type.FLOAT)");
    }
    return array;
  }

  private <T> T requireDouble(T array) {
    if (array == null) {
      throw new IllegalStateException("this dataset holds floats; use as(Type.DOUBLE)");
    }
    return array;
  }

  private static double[] widen(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  private static float[] narrow(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }

  private static float[] copy(float[] a, int from, int to, int width) {
    return Arrays.copyOfRange(a, from * width, to * width);
  }

  private static double[] copy(double[] a, int from, int to, int width) {
    return Arrays.copyOfRange(a, from * width, to * width);
  }
}
