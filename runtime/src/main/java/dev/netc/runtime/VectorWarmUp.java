package dev.netc.runtime;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which generated vector class of a JVM warms up the Vector API's shared code: the first one to
 * initialize, once per element type.
 *
 * <p>Why: HotSpot shares the Vector API's own methods ({@code VectorSupport.binaryOp}, {@code
 * VectorOperators.ImplCache.find}, ...) between every class of a process, and on JDK 17 C2
 * compiles some of them on their own while the first classes warm up, with profiles that have
 * seen only those classes' operators. A kernel that later brings new operators (the float tanh
 * kernel's division and comparisons, after a CNN's classes) takes class-check traps in that
 * compiled code; C2 adds them up in every method that inlines those, passes {@code
 * -XX:PerMethodTrapLimit} and boxes vectors from then on: half a megabyte per training step of a
 * tanh MLP run after LeNet-5 and the Small CNN, in every such JVM (docs/performance.md,
 * thirty-fifth and thirty-seventh sessions). A few rounds of those operators, run by whichever
 * float vector class comes first, put them in the profiles before anything is compiled, at the
 * cost of about 35 ms once per JVM.
 *
 * <p>It comes too late where other Vector API code got hot before the first float vector class
 * initialized: a double vector class's kernels (the shared methods serve every element type), or
 * the app's own; not measured.
 *
 * <p>{@code -Dnetc.vectorWarmUp=false} ({@link #PROPERTY}) turns it off (to measure it).
 */
public final class VectorWarmUp {
  /** The system property that turns the warm-up off when {@code false}. */
  public static final String PROPERTY = "netc.vectorWarmUp";

  private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));
  private static final Set<String> CLAIMED = ConcurrentHashMap.newKeySet();

  private VectorWarmUp() {}

  /**
   * True for the first call with {@code elementType} in this JVM (for this class's loader), when
   * the warm-up is on; false for every later one.
   */
  public static boolean claim(String elementType) {
    return ENABLED && CLAIMED.add(elementType);
  }

  /** Whether the warm-up is on in this JVM ({@link #PROPERTY}, read once). */
  public static boolean enabled() {
    return ENABLED;
  }
}
