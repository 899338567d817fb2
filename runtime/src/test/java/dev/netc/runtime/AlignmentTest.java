package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Alignment} reads where arrays lie. Two arrays allocated one after the other in a
 * thread's allocation buffer lie one after the other in memory, so the second's start follows
 * from the first's and the first's size; a wrong address, shift or base offset would break that
 * for some sizes. (A collection between the two allocations could too, so each size may try a
 * few times.)
 */
class AlignmentTest {

  @Test
  void startsAgreeWithConsecutiveAllocations() {
    // JDK 24 and later warn on Unsafe's memory reads, so there Alignment does not read them.
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Runtime.version().feature() < Alignment.FIRST_WARNING_JDK);
    assertTrue(Alignment.available(), "HotSpot on a 64-bit JDK 17-23 has addresses");
    assertEquals("sun.misc.Unsafe", Alignment.source());
    assertEquals(56, checkConsecutive());
  }

  /**
   * The same in JVMs whose references are laid out otherwise: a heap under 4 GB (compressed
   * references unshifted), uncompressed references, and 32-byte object alignment.
   */
  @Test
  void startsAgreeInOtherHeapLayouts() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Runtime.version().feature() < Alignment.FIRST_WARNING_JDK);
    for (String option : List.of("-Xmx256m", "-XX:-UseCompressedOops",
        "-XX:ObjectAlignmentInBytes=32")) {
      runInChild(option, Consecutive.class);
    }
    // ZGC keeps colour bits in its references: the non-generational ZGC (JDK 17's) above the
    // address, where the starts agree; generational ZGC (from JDK 21 on) below a shifted address,
    // where there must be none rather than wrong ones.
    runInChild("-XX:+UseZGC", AgreeOrNone.class);
  }

  /** Exits 0 if the starts agree with consecutive allocations or there are none at all. */
  public static final class AgreeOrNone {
    public static void main(String[] args) {
      if (!Alignment.available()) {
        Off.main(args);
      }
      Consecutive.main(args);
    }
  }

  /** Runs {@code main} in a JVM like this one with {@code option}; it must exit 0. */
  private static void runInChild(String option, Class<?> main) throws Exception {
    runInChild(Path.of(System.getProperty("java.home"), "bin", "java"), List.of(option), main);
  }

  /**
   * Runs {@code main} with the java {@code launcher} and {@code options}; it must exit 0 and
   * print nothing (no JVM warning either).
   */
  private static void runInChild(Path launcher, List<String> options, Class<?> main)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher.toString());
    cmd.addAll(options);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), launcher + " " + options + ": " + out);
    // The launcher's own note of JAVA_TOOL_OPTIONS is not the child's doing.
    String printed = out.lines().filter(l -> !l.startsWith("Picked up "))
        .reduce("", (a, b) -> a + b + "\n");
    assertEquals("", printed, launcher + " " + options + " printed");
  }

  /**
   * With {@code jdk.internal.misc} exported ({@code bin/netc} does), the addresses come from the
   * JDK's own Unsafe, and agree with consecutive allocations as before.
   */
  @Test
  void theJdksOwnUnsafeWhereExported() throws Exception {
    runInChild(Alignment.EXPORT_OPTION, Internal.class);
  }

  /**
   * On a JDK from 24 on, if this machine has one (a {@code release} file under
   * {@code /usr/lib/jvm} or {@code NETC_TEST_JDK24}): addresses from the JDK's own Unsafe where
   * it is exported, none otherwise, and no warning on stderr either way (JEP 498 would print
   * one at the first memory read through {@code sun.misc.Unsafe}).
   */
  @Test
  void onJdk24AndLaterOnlyTheExportedUnsafe() throws Exception {
    Path java = newerJdk();
    org.junit.jupiter.api.Assumptions.assumeTrue(java != null, "no JDK 24 or later here");
    runInChild(java, List.of(Alignment.EXPORT_OPTION), Internal.class);
    for (String option : List.of("-Xmx256m", "-XX:-UseCompressedOops",
        "-XX:ObjectAlignmentInBytes=32", "-XX:+UseCompactObjectHeaders")) {
      runInChild(java, List.of(Alignment.EXPORT_OPTION, option), Internal.class);
    }
    // Generational ZGC, the only ZGC from JDK 24 on, keeps colour bits below the address.
    runInChild(java, List.of(Alignment.EXPORT_OPTION, "-XX:+UseZGC"), Off.class);
    runInChild(java, List.of(), Off.class);
  }

  /** The java launcher of a JDK from 24 on on this machine, or null. */
  private static Path newerJdk() throws Exception {
    List<Path> homes = new ArrayList<>();
    String env = System.getenv("NETC_TEST_JDK24");
    if (env != null && !env.isEmpty()) {
      homes.add(Path.of(env));
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      try (var dirs = Files.list(jvms)) {
        dirs.sorted().forEach(homes::add);
      }
    }
    for (Path home : homes) {
      Path release = home.resolve("release");
      Path java = home.resolve("bin").resolve("java");
      if (Files.isRegularFile(release) && Files.isExecutable(java)) {
        for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
          if (line.startsWith("JAVA_VERSION=")) {
            // JAVA_VERSION="25.0.1": the feature release comes first.
            String feature = line.substring(line.indexOf('=') + 1).replace("\"", "")
                .split("[^0-9]", 2)[0];
            if (!feature.isEmpty()
                && Integer.parseInt(feature) >= Alignment.FIRST_WARNING_JDK) {
              return java;
            }
          }
        }
      }
    }
    return null;
  }

  /** Exits 0 if the addresses come from the JDK's own Unsafe and agree with allocations. */
  public static final class Internal {
    public static void main(String[] args) {
      try {
        assertEquals("jdk.internal.misc.Unsafe", Alignment.source());
        assertEquals(56, checkConsecutive(Consecutive.objectAlignment()));
      } catch (AssertionError e) {
        System.out.println(e.getMessage());
        System.exit(1);
      }
    }
  }

  /** {@code -Dnetc.alignment=off}: no addresses, every start 0. */
  @Test
  void turnedOff() throws Exception {
    runInChild("-D" + Alignment.PROPERTY + "=off", Off.class);
  }

  /** Exits 0 if this JVM's Alignment knows no addresses and starts everything at 0. */
  public static final class Off {
    public static void main(String[] args) {
      boolean ok = !Alignment.available();
      Object[] probe = new Object[1];
      for (int i = 0; i < 20; i++) {
        ok &= Alignment.floatStart(new float[i + 1], probe) == 0;
      }
      System.exit(ok ? 0 : 1);
    }
  }

  /** Exits 0 if the starts agree with consecutive allocations in this JVM. */
  public static final class Consecutive {
    public static void main(String[] args) {
      int align = objectAlignment();
      try {
        assertTrue(Alignment.available(), "no addresses");
        assertEquals(56, checkConsecutive(align));
      } catch (AssertionError e) {
        System.out.println(e.getMessage());
        System.exit(1);
      }
    }

    static int objectAlignment() {
      for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean()
          .getInputArguments()) {
        if (a.startsWith("-XX:ObjectAlignmentInBytes=")) {
          return Integer.parseInt(a.substring(a.indexOf('=') + 1));
        }
      }
      return 8;
    }
  }

  /** True if this JVM was started with compact object headers. */
  private static boolean compactHeaders() {
    return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
        .contains("-XX:+UseCompactObjectHeaders");
  }

  private static int checkConsecutive() {
    return checkConsecutive(8);
  }

  /** The sizes checked (56), with objects rounded up to {@code align} bytes. */
  private static int checkConsecutive(int align) {
    Object[] probe = new Object[1];
    int checked = 0;
    for (int len = 1; len <= 40; len++) {
      boolean agreed = false;
      for (int attempt = 0; attempt < 5 && !agreed; attempt++) {
        float[] first = new float[len];
        float[] second = new float[64];
        int a = Alignment.floatStart(first, probe);
        int b = Alignment.floatStart(second, probe);
        // Object sizes round up to the object alignment: header 16 + 4 per float.
        // A float array's header: 16 bytes, or 12 with compact object headers (JDK 24 on).
        int header = compactHeaders() ? 12 : 16;
        int firstBytes = (header + 4 * len + align - 1) / align * align;
        int expected = Math.floorMod(a - firstBytes / 4, 16);
        agreed = b == expected;
      }
      assertTrue(agreed, "floats, first array of " + len);
      checked++;
    }
    for (int len = 1; len <= 16; len++) {
      boolean agreed = false;
      for (int attempt = 0; attempt < 5 && !agreed; attempt++) {
        double[] first = new double[len];
        double[] second = new double[32];
        int a = Alignment.doubleStart(first, probe);
        int b = Alignment.doubleStart(second, probe);
        int firstBytes = (16 + 8 * len + align - 1) / align * align;
        agreed = b == Math.floorMod(a - firstBytes / 8, 8);
      }
      assertTrue(agreed, "doubles, first array of " + len);
      checked++;
    }
    assertEquals(null, probe[0], "the probe is left empty");
    return checked;
  }

  @Test
  void noSunMiscUnsafeFromJdk24On() {
    boolean exported = Object.class.getModule()
        .isExported(Alignment.INTERNAL_PACKAGE, Alignment.class.getModule());
    if (Runtime.version().feature() >= Alignment.FIRST_WARNING_JDK && !exported) {
      assertTrue(!Alignment.available());
      assertEquals(0, Alignment.floatStart(new float[100], new Object[1]));
    }
    assertTrue(!Alignment.source().equals("sun.misc.Unsafe")
        || Runtime.version().feature() < Alignment.FIRST_WARNING_JDK, Alignment.source());
  }

  @Test
  void startsAreInRange() {
    Object[] probe = new Object[1];
    for (int i = 0; i < 100; i++) {
      int f = Alignment.floatStart(new float[i + 1], probe);
      int d = Alignment.doubleStart(new double[i + 1], probe);
      assertTrue(f >= 0 && f < 16, "float start " + f);
      assertTrue(d >= 0 && d < 8, "double start " + d);
    }
  }
}
