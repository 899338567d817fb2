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
 *
 * <p>Images may instead keep their inputs as unsigned bytes {@code b} that stand for
 * {@code b / 255} ({@link #ofUnitBytes}): a quarter of the memory of floats, and no 188 MB of
 * floats to allocate and fill before Fashion-MNIST's first step. Such rows convert as they are
 * gathered, to exactly the value {@code b / 255f} (or {@code b / 255.0}) that reading them as
 * floats gives, until {@link #widenInputs()} has converted them all once.
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
  private final Type type;
  /** Inputs as unsigned bytes standing for b / 255, or null when stored as floats or doubles. */
  private final byte[] byteInputs;
  // Set once by widenInputs() for byte inputs (volatile: gathers on other threads pick it up).
  private volatile float[] floatInputs;
  private final float[] floatTargets;
  private volatile double[] doubleInputs;
  private final double[] doubleTargets;

  /** {@code FLOAT_OF_BYTE[b] == b / 255f}, the float an IDX pixel reads as. */
  private static final float[] FLOAT_OF_BYTE = new float[256];
  /** {@code DOUBLE_OF_BYTE[b] == b / 255.0}, the double an IDX pixel reads as. */
  private static final double[] DOUBLE_OF_BYTE = new double[256];

  static {
    for (int b = 0; b < 256; b++) {
      FLOAT_OF_BYTE[b] = b / 255f;
      DOUBLE_OF_BYTE[b] = b / 255.0;
    }
  }

  private Dataset(int inputSize, int targetWidth, int classCount, byte[] bx, float[] fx,
      float[] ft, double[] dx, double[] dt) {
    if (inputSize < 1 || targetWidth < 0 || classCount < 0) {
      throw new IllegalArgumentException("bad sizes: inputSize " + inputSize + ", targetWidth "
          + targetWidth + ", classCount " + classCount);
    }
    if (classCount > 0 && targetWidth != 1) {
      throw new IllegalArgumentException("class targets need targetWidth 1, not " + targetWidth);
    }
    int xs = bx != null ? bx.length : fx != null ? fx.length : dx.length;
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
    this.type = ft != null ? Type.FLOAT : Type.DOUBLE;
    this.byteInputs = bx;
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
    return new Dataset(inputSize, targetWidth, classCount, null, Objects.requireNonNull(inputs),
        Objects.requireNonNull(targets), null, null);
  }

  /** A double dataset over the given arrays (not copied); see {@link #ofFloats}. */
  public static Dataset ofDoubles(double[] inputs, double[] targets, int inputSize,
      int targetWidth, int classCount) {
    return new Dataset(inputSize, targetWidth, classCount, null, null, null,
        Objects.requireNonNull(inputs), Objects.requireNonNull(targets));
  }

  /**
   * A float dataset whose inputs are unsigned bytes {@code b} standing for {@code b / 255f}
   * (arrays not copied); see {@link #ofFloats} for the rest.
   */
  public static Dataset ofUnitBytes(byte[] inputs, float[] targets, int inputSize,
      int targetWidth, int classCount) {
    return new Dataset(inputSize, targetWidth, classCount, Objects.requireNonNull(inputs), null,
        Objects.requireNonNull(targets), null, null);
  }

  /**
   * A double dataset whose inputs are unsigned bytes {@code b} standing for {@code b / 255.0}
   * (arrays not copied); see {@link #ofFloats} for the rest.
   */
  public static Dataset ofUnitBytes(byte[] inputs, double[] targets, int inputSize,
      int targetWidth, int classCount) {
    return new Dataset(inputSize, targetWidth, classCount, Objects.requireNonNull(inputs), null,
        null, null, Objects.requireNonNull(targets));
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
    return type;
  }

  /**
   * The inputs, row-major (shared); throws unless {@link #type()} is FLOAT. Byte inputs are
   * converted first (once, see {@link #widenInputs()}).
   */
  public float[] floatInputs() {
    requireFloat(floatTargets);
    widenInputs();
    return floatInputs;
  }

  /** The targets, row-major (shared); throws unless {@link #type()} is FLOAT. */
  public float[] floatTargets() {
    return requireFloat(floatTargets);
  }

  /**
   * The inputs, row-major (shared); throws unless {@link #type()} is DOUBLE. Byte inputs are
   * converted first (once, see {@link #widenInputs()}).
   */
  public double[] doubleInputs() {
    requireDouble(doubleTargets);
    widenInputs();
    return doubleInputs;
  }

  /**
   * Converts byte inputs ({@link #ofUnitBytes}) to an array of this dataset's type, once, so
   * that later gathers copy rows instead of converting them; does nothing for other datasets or
   * when done before. Any thread may call it: gathers running meanwhile convert their rows
   * themselves, to the same values.
   */
  public synchronized void widenInputs() {
    if (byteInputs == null || floatInputs != null || doubleInputs != null) {
      return;
    }
    if (type == Type.FLOAT) {
      float[] x = new float[byteInputs.length];
      convert(byteInputs, 0, x, 0, x.length);
      floatInputs = x;
    } else {
      double[] x = new double[byteInputs.length];
      convert(byteInputs, 0, x, 0, x.length);
      doubleInputs = x;
    }
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
    if (byteInputs != null) {
      return type == Type.DOUBLE
          ? ofUnitBytes(byteInputs, widen(floatTargets), inputSize, targetWidth, classCount)
          : ofUnitBytes(byteInputs, narrow(doubleTargets), inputSize, targetWidth, classCount);
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
    if (byteInputs != null) {
      byte[] x = Arrays.copyOfRange(byteInputs, from * inputSize, to * inputSize);
      return type == Type.FLOAT
          ? ofUnitBytes(x, copy(floatTargets, from, to, targetWidth), inputSize, targetWidth,
              classCount)
          : ofUnitBytes(x, copy(doubleTargets, from, to, targetWidth), inputSize, targetWidth,
              classCount);
    }
    if (type == Type.FLOAT) {
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
    float[] t = floatTargets();
    for (int b = 0; b < size; b++) {
      int row = order[from + b];
      copyRow(row, xs, b);
      System.arraycopy(t, row * targetWidth, ts, b * targetWidth, targetWidth);
    }
  }

  /** Double version of {@link #gather(int[], int, int, float[], float[])}. */
  public void gather(int[] order, int from, int size, double[] xs, double[] ts) {
    double[] t = doubleTargets();
    for (int b = 0; b < size; b++) {
      int row = order[from + b];
      copyRow(row, xs, b);
      System.arraycopy(t, row * targetWidth, ts, b * targetWidth, targetWidth);
    }
  }

  /**
   * Copies the contiguous examples {@code from} … {@code from + size − 1} into the batch
   * buffers {@code xs} and {@code ts}, as {@link #gather} does. Allocates nothing.
   */
  public void copyRows(int from, int size, float[] xs, float[] ts) {
    Objects.checkFromIndexSize(from, size, count);
    System.arraycopy(floatTargets(), from * targetWidth, ts, 0, size * targetWidth);
    float[] x = floatInputs;
    if (x != null) {
      System.arraycopy(x, from * inputSize, xs, 0, size * inputSize);
      return;
    }
    for (int b = 0; b < size; b++) {
      copyRow(from + b, xs, b);
    }
  }

  /** Double version of {@link #copyRows(int, int, float[], float[])}. */
  public void copyRows(int from, int size, double[] xs, double[] ts) {
    Objects.checkFromIndexSize(from, size, count);
    System.arraycopy(doubleTargets(), from * targetWidth, ts, 0, size * targetWidth);
    double[] x = doubleInputs;
    if (x != null) {
      System.arraycopy(x, from * inputSize, xs, 0, size * inputSize);
      return;
    }
    for (int b = 0; b < size; b++) {
      copyRow(from + b, xs, b);
    }
  }

  /**
   * Row {@code row}'s inputs into row {@code slot} of {@code xs}, converting bytes until
   * {@link #widenInputs()} is done. Callers have checked the type (by reading the targets).
   */
  private void copyRow(int row, float[] xs, int slot) {
    float[] x = floatInputs;
    int at = row * inputSize;
    int to = slot * inputSize;
    if (x != null) {
      System.arraycopy(x, at, xs, to, inputSize);
      return;
    }
    convert(byteInputs, at, xs, to, inputSize);
  }

  private void copyRow(int row, double[] xs, int slot) {
    double[] x = doubleInputs;
    int at = row * inputSize;
    int to = slot * inputSize;
    if (x != null) {
      System.arraycopy(x, at, xs, to, inputSize);
      return;
    }
    convert(byteInputs, at, xs, to, inputSize);
  }

  /** {@code n} unit bytes from {@code bytes[at]} into {@code xs[to]} as {@code b / 255f}. */
  private static void convert(byte[] bytes, int at, float[] xs, int to, int n) {
    for (int i = 0; i < n; i++) {
      xs[to + i] = FLOAT_OF_BYTE[bytes[at + i] & 0xff];
    }
  }

  /** {@code n} unit bytes from {@code bytes[at]} into {@code xs[to]} as {@code b / 255.0}. */
  private static void convert(byte[] bytes, int at, double[] xs, int to, int n) {
    for (int i = 0; i < n; i++) {
      xs[to + i] = DOUBLE_OF_BYTE[bytes[at + i] & 0xff];
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
