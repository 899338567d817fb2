package dev.netc.codegen;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A kernel variant of the vector backend: the vector shape its dense kernels are written with.
 *
 * <p>Every variant runs the same generated code; a vector class picks the species once, at class
 * initialization, from the system property {@code netc.plan.CLASSNAME} (the class's simple
 * name), else {@code netc.plan}, else the plan it was generated with ({@link
 * CodegenPolicy#plan}). The species is then a constant to C2, so each variant compiles to
 * straight vector code of its width. Width matters per microarchitecture: Zen 4 executes a
 * 512-bit operation as two 256-bit halves and ran the batch-32 MLP step 29 % faster with 256-bit
 * vectors, while Zen 5 prefers 512.
 *
 * <p>Results differ between variants only by summation order: a dot product is summed in
 * {@code lanes} partial sums reduced at the end, so sums of {@code n} terms agree to within about
 * {@code n} rounding errors of the magnitudes summed.
 */
public enum KernelPlan {
  /** The JDK's preferred species for this CPU (the widest it reports). */
  PREFERRED("preferred", "SPECIES_PREFERRED"),
  /** 256-bit vectors (8 floats, 4 doubles). */
  V256("v256", "SPECIES_256"),
  /** 512-bit vectors (16 floats, 8 doubles). */
  V512("v512", "SPECIES_512");

  private final String id;
  private final String species;

  KernelPlan(String id, String species) {
    this.id = id;
    this.species = species;
  }

  /** The plan's name, as given to {@code netc.plan} and written in plan files. */
  public String id() {
    return id;
  }

  /** The {@code FloatVector}/{@code DoubleVector} constant of the plan's species. */
  String speciesConstant() {
    return species;
  }

  /** The variants a planner times: every explicit width. */
  public static List<KernelPlan> candidates() {
    return List.of(V256, V512);
  }

  /** The plan called {@code name}, ignoring case; an error naming the valid plans otherwise. */
  public static KernelPlan parse(String name) {
    for (KernelPlan p : values()) {
      if (p.id.equalsIgnoreCase(name.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown kernel plan '" + name + "'; expected "
        + names());
  }

  /** The valid plan names, comma-separated. */
  public static String names() {
    return Arrays.stream(values()).map(KernelPlan::id).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return id;
  }
}
