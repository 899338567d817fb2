package dev.netc.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Where an array's elements meet a 64-byte cache line, so that a kernel can start its rows
 * there. A vector load that straddles two lines costs two: on the Intel Xeon host, a one-example
 * dense forward over 800 KB of weights ran in 5.9 µs from a 64-byte aligned start and in 10.2 µs
 * from any other (docs/performance.md). Java aligns arrays to 8 bytes only, and a collection may
 * move them, so the generated code asks again before each use.
 *
 * <p>The address comes from an {@code Unsafe}, through method handles so that nothing here is
 * linked against it:
 * <ul>
 *   <li>{@code jdk.internal.misc.Unsafe} where the JVM exports {@code jdk.internal.misc} to this
 *       code ({@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}, which
 *       {@code bin/netc} passes): on any JDK, silently;
 *   <li>else {@code sun.misc.Unsafe} (module {@code jdk.unsupported}, open to class-path code)
 *       before JDK 24. From JDK 24 on, the JVM warns on stderr the first time code reads memory
 *       through it (JEP 498), and an app's output is not ours to clutter.
 * </ul>
 * Where neither is there or the heap layout is unknown (generational ZGC, whose references hold
 * colour bits below the address, among them), every start is 0: the kernels then run
 * as before, never wrong, only not aligned (and predict by columns is not made: see the
 * generated classes). {@code -Dnetc.alignment=off} turns it off anywhere.
 */
public final class Alignment {
  /**
   * The system property that turns this off ({@code -Dnetc.alignment=off}): every start is 0,
   * and generated classes keep no aligned copies (for an app short of memory, say).
   */
  public static final String PROPERTY = "netc.alignment";

  /** The first JDK that warns when sun.misc.Unsafe reads memory (JEP 498). */
  static final int FIRST_WARNING_JDK = 24;

  /**
   * The package of the JDK's own Unsafe, which reads memory without a warning where the JVM
   * exports it to this code.
   */
  static final String INTERNAL_PACKAGE = "jdk.internal.misc";

  /** The JVM option that exports it to class-path code, as {@code bin/netc} passes it. */
  public static final String EXPORT_OPTION =
      "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

  /** The cache line the starts align to, in bytes. */
  public static final int LINE = 64;

  private static final MethodHandle GET_INT;
  private static final MethodHandle GET_LONG;
  /** Offset of a reference array's first element; -1 if addresses are unavailable. */
  private static final long REFS_BASE;
  private static final long FLOATS_BASE;
  private static final long DOUBLES_BASE;
  /** Left shift of a compressed reference, or -1 for 8-byte references (raw addresses). */
  private static final int OOP_SHIFT;
  /** Where the addresses come from: the Unsafe class's name, or why there are none. */
  private static final String SOURCE;

  static {
    String source;
    MethodHandle getInt = null;
    MethodHandle getLong = null;
    long refs = -1;
    long floats = 0;
    long doubles = 0;
    int shift = -1;
    try {
      if ("off".equals(System.getProperty(PROPERTY))) {
        throw new UnsupportedOperationException(PROPERTY + "=off");
      }
      Class<?> unsafeClass;
      Object unsafe;
      if (Object.class.getModule().isExported(INTERNAL_PACKAGE, Alignment.class.getModule())) {
        unsafeClass = Class.forName(INTERNAL_PACKAGE + ".Unsafe");
        unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
      } else if (Runtime.version().feature() < FIRST_WARNING_JDK) {
        unsafeClass = Class.forName("sun.misc.Unsafe");
        java.lang.reflect.Field f = unsafeClass.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        unsafe = f.get(null);
      } else {
        throw new UnsupportedOperationException("sun.misc.Unsafe warns on this JDK, and "
            + INTERNAL_PACKAGE + " is not exported");
      }
      source = unsafeClass.getName();
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      // arrayBaseOffset returns an int, or a long in the JDK's own Unsafe from JDK 23 on.
      MethodType query = MethodType.methodType(long.class, Class.class);
      MethodHandle base = lookup.unreflect(unsafeClass.getMethod("arrayBaseOffset", Class.class))
          .bindTo(unsafe).asType(query);
      MethodHandle scale = lookup.unreflect(unsafeClass.getMethod("arrayIndexScale", Class.class))
          .bindTo(unsafe).asType(query);
      getInt = lookup.findVirtual(unsafeClass, "getInt",
          MethodType.methodType(int.class, Object.class, long.class)).bindTo(unsafe);
      getLong = lookup.findVirtual(unsafeClass, "getLong",
          MethodType.methodType(long.class, Object.class, long.class)).bindTo(unsafe);
      long refScale = (long) scale.invokeExact((Class<?>) Object[].class);
      floats = (long) base.invokeExact((Class<?>) float[].class);
      doubles = (long) base.invokeExact((Class<?>) double[].class);
      refs = (long) base.invokeExact((Class<?>) Object[].class);
      if (refScale == 4) {
        // Compressed references: address = heap base (page-aligned) + (reference << shift).
        // The shift is 0 for a heap below 4 GB (unscaled), else log2 of the object alignment.
        shift = compressedShift(getInt, refs);
      } else if (refScale != 8) {
        throw new IllegalStateException("reference size " + refScale);
      } else if (!rawAddresses(getLong, refs)) {
        // A collector that keeps more than the address in a reference: generational ZGC (the
        // only ZGC from JDK 24 on) shifts it up under its colour bits.
        throw new IllegalStateException("references are not addresses");
      }
    } catch (Throwable e) {
      // No Unsafe we may use, another JVM or a layout this does not know: every start is 0.
      refs = -1;
      source = "none (" + e + ")";
    }
    GET_INT = getInt;
    GET_LONG = getLong;
    REFS_BASE = refs;
    SOURCE = source;
    FLOATS_BASE = floats;
    DOUBLES_BASE = doubles;
    OOP_SHIFT = shift;
  }

  private Alignment() {}

  /**
   * The shift of a compressed reference, read off two objects of 256 bytes allocated one after
   * the other: their references differ by 256 >> shift (any object alignment up to 256 bytes
   * divides 256). Asked a few times, since a new allocation buffer can come between the two;
   * the same answer twice in a row is taken.
   */
  private static int compressedShift(MethodHandle getInt, long refs) throws Throwable {
    Object[] pair = new Object[2];
    int last = -1;
    for (int attempt = 0; attempt < 16; attempt++) {
      pair[0] = new long[30]; // 16 bytes of header + 240: 256 bytes
      pair[1] = new long[30];
      long a = (int) getInt.invokeExact((Object) pair, refs) & 0xFFFF_FFFFL;
      long b = (int) getInt.invokeExact((Object) pair, refs + 4) & 0xFFFF_FFFFL;
      long diff = b - a;
      int shift = diff > 0 && Long.bitCount(diff) == 1 && diff <= 256
          ? 8 - Long.numberOfTrailingZeros(diff) : -1;
      if (shift >= 0 && shift == last) {
        return shift;
      }
      last = shift;
    }
    throw new IllegalStateException("no consistent reference shift");
  }

  /**
   * True if uncompressed references are raw addresses: two objects of 256 bytes allocated one
   * after the other lie 256 bytes apart. Asked a few times, since a new allocation buffer can
   * come between the two.
   */
  private static boolean rawAddresses(MethodHandle getLong, long refs) throws Throwable {
    Object[] pair = new Object[2];
    for (int attempt = 0; attempt < 16; attempt++) {
      pair[0] = new long[30]; // 16 bytes of header + 240: 256 bytes
      pair[1] = new long[30];
      long a = (long) getLong.invokeExact((Object) pair, refs);
      long b = (long) getLong.invokeExact((Object) pair, refs + 8);
      if (b - a == 256) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where the addresses come from: {@code jdk.internal.misc.Unsafe}, {@code sun.misc.Unsafe},
   * or {@code none (why)}.
   */
  public static String source() {
    return SOURCE;
  }

  /** True if the starts are known; false if every start is 0 for want of addresses. */
  public static boolean available() {
    return REFS_BASE >= 0;
  }

  /**
   * The index in {@code [0, 16)} of the first element of {@code a} that starts a 64-byte line,
   * now (a collection may move the array); 0 if unknown. {@code probe} is a one-element array
   * of the caller's that this borrows, so that the call allocates nothing; it is left null.
   */
  public static int floatStart(float[] a, Object[] probe) {
    return start(a, probe, FLOATS_BASE, Float.BYTES);
  }

  /** As {@link #floatStart}: the index in {@code [0, 8)} for doubles. */
  public static int doubleStart(double[] a, Object[] probe) {
    return start(a, probe, DOUBLES_BASE, Double.BYTES);
  }

  private static int start(Object a, Object[] probe, long dataBase, int bytes) {
    if (REFS_BASE < 0) {
      return 0;
    }
    long address;
    probe[0] = a;
    try {
      address = OOP_SHIFT >= 0
          ? ((int) GET_INT.invokeExact((Object) probe, REFS_BASE) & 0xFFFF_FFFFL) << OOP_SHIFT
          : (long) GET_LONG.invokeExact((Object) probe, REFS_BASE);
    } catch (Throwable e) {
      return 0;
    } finally {
      probe[0] = null;
    }
    long misaligned = Math.floorMod(address + dataBase, (long) LINE);
    return (int) (Math.floorMod(LINE - misaligned, (long) LINE) / bytes);
  }
}
