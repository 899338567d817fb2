package dev.netc.codegen;

/** The vectors of the CPU the tests run on, as the Vector API sees them. */
public final class CpuVectors {
  private CpuVectors() {}

  /**
   * The width of this JVM's widest vectors ({@code FloatVector.SPECIES_PREFERRED}), in bits: 512
   * on an AVX-512 CPU, 256 on an AVX2-only one, less with {@code -XX:MaxVectorSize}. By
   * reflection, since the tests compile without the incubator module they run with.
   */
  public static int bits() {
    try {
      Object species = Class.forName("jdk.incubator.vector.FloatVector")
          .getField("SPECIES_PREFERRED").get(null);
      return (int) Class.forName("jdk.incubator.vector.VectorSpecies")
          .getMethod("vectorBitSize").invoke(species);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the tests run with --add-modules jdk.incubator.vector", e);
    }
  }
}
