package dev.netc.codegen;

import dev.netc.codegen.CodegenPolicy.RegisterTiles;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A kernel variant of the vector backend: the vector shape its dense kernels are written with,
 * the form of the batched forward pass: column tiles (examples in the vector lanes, the
 * default) or dot products along the inputs (the {@code -dot} plans; see {@link
 * CodegenPolicy.RegisterTiles#columnRows}), and the register tiles of the batched kernels (the
 * {@code -wide} and {@code -narrow} plans; by the CPU's register count otherwise).
 *
 * <p>Every variant runs the same generated code; a vector class picks the species once, at class
 * initialization, from the system property {@code netc.plan.CLASSNAME} (the class's simple
 * name), else {@code netc.plan}, else the plan it was generated with ({@link
 * CodegenPolicy#plan}). The species is then a constant to C2, so each variant compiles to
 * straight vector code of its width. A plan wider than the CPU's vectors (v512 on an AVX2-only
 * Zen 3, say) would run the Vector API's Java fallback, hundreds of times slower and allocating
 * on every call, so the class narrows it to the widest width there is ({@link #narrowedTo}) and
 * its {@code KERNEL_PLAN} names the plan it really runs (with the tiles of the CPU's register
 * count). Width matters per microarchitecture, and per network: Zen 4 executes a 512-bit
 * operation as two 256-bit halves; one Zen 4 host ran the batch-32 MLP step 29 % faster with
 * 256-bit vectors, this project's Zen 4 host ran it within a few per cent either way but
 * LeNet-5's step 13 % faster with 256 bits, and Zen 5 prefers 512 (docs/performance.md).
 *
 * <p>Results differ between variants only by summation order: a dot product is summed in
 * {@code lanes} partial sums reduced at the end, so sums of {@code n} terms agree to within about
 * {@code n} rounding errors of the magnitudes summed.
 *
 * <p>A plan may also name how many examples a batched class runs through its kernels at a time
 * (a {@code -cN} suffix: {@code v256-wide-c32}); without one, the class's own chunk ({@link
 * CodegenPolicy#chunk}, 64 by default). The chunk's inputs, activations and deltas stay in
 * cache between a layer's kernels: 64 examples of the Fashion-MNIST MLP fill 400 KB, which fits
 * the Intel host's 2 MB L2 but crowds a Zen 3's 512 KB, where 32 ran batch-128 steps 7–11 %
 * faster (docs/performance.md). A smaller chunk splits the same sums into more passes that each
 * add to the gradient buffers: results differ only by summation order, as between widths.
 *
 * @param shape the vector shape, forward form and register tiles
 * @param chunk examples per batched pass, or 0 for the class's own chunk
 */
public record KernelPlan(Shape shape, int chunk) {
  /** The JDK's preferred species for this CPU (the widest it reports). */
  public static final KernelPlan PREFERRED = of(Shape.PREFERRED);
  /** 256-bit vectors (8 floats, 4 doubles). */
  public static final KernelPlan V256 = of(Shape.V256);
  /** 512-bit vectors (16 floats, 8 doubles). */
  public static final KernelPlan V512 = of(Shape.V512);
  /** 256-bit vectors, the batched forward pass in dot products. */
  public static final KernelPlan V256_DOT = of(Shape.V256_DOT);
  /** 512-bit vectors, the batched forward pass in dot products. */
  public static final KernelPlan V512_DOT = of(Shape.V512_DOT);
  /** {@link #V256} with the wide register tiles. */
  public static final KernelPlan V256_WIDE = of(Shape.V256_WIDE);
  /** {@link #V256} with the narrow register tiles. */
  public static final KernelPlan V256_NARROW = of(Shape.V256_NARROW);
  /** {@link #V512} with the wide register tiles. */
  public static final KernelPlan V512_WIDE = of(Shape.V512_WIDE);

  /** The smallest chunk a plan may name (as {@link CodegenPolicy#chunk}). */
  public static final int MIN_CHUNK = 4;

  /**
   * The suffix naming a chunk, {@code -c} and its examples, as a regular expression: parsed here
   * and, by the same text, by a generated class at initialization.
   */
  static final String CHUNK_SUFFIX_REGEX = "-c([0-9]{1,9})";

  private static final Pattern CHUNK_SUFFIX = Pattern.compile(CHUNK_SUFFIX_REGEX + "$");

  public KernelPlan {
    if (shape == null) {
      throw new IllegalArgumentException("shape must not be null");
    }
    if (chunk != 0 && chunk < MIN_CHUNK) {
      throw new IllegalArgumentException("a plan's chunk must be at least " + MIN_CHUNK
          + " examples, got " + chunk);
    }
  }

  /** The plan of {@code shape} with the class's own chunk. */
  public static KernelPlan of(Shape shape) {
    return new KernelPlan(shape, 0);
  }

  /** This plan with {@code examples} per batched pass (0: the class's own). */
  public KernelPlan withChunk(int examples) {
    return new KernelPlan(shape, examples);
  }

  /**
   * The vector shapes a plan may name: the width its dense kernels are written with, the form
   * of the batched forward pass, and the register tiles.
   */
  public enum Shape {
    /** The JDK's preferred species for this CPU (the widest it reports). */
    PREFERRED("preferred", "SPECIES_PREFERRED", true, RegisterTiles.AUTO),
    /** 256-bit vectors (8 floats, 4 doubles). */
    V256("v256", "SPECIES_256", true, RegisterTiles.AUTO),
    /** 512-bit vectors (16 floats, 8 doubles). */
    V512("v512", "SPECIES_512", true, RegisterTiles.AUTO),
    /** 256-bit vectors, the batched forward pass in dot products. */
    V256_DOT("v256-dot", "SPECIES_256", false, RegisterTiles.AUTO),
    /** 512-bit vectors, the batched forward pass in dot products. */
    V512_DOT("v512-dot", "SPECIES_512", false, RegisterTiles.AUTO),
    /**
     * The preferred species, the batched forward pass in dot products: what {@code v256-dot}
     * and {@code v512-dot} narrow to on a CPU whose vectors are narrower.
     */
    PREFERRED_DOT("preferred-dot", "SPECIES_PREFERRED", false, RegisterTiles.AUTO),
    /** {@link #V256} with the wide register tiles. */
    V256_WIDE("v256-wide", "SPECIES_256", true, RegisterTiles.WIDE),
    /** {@link #V256} with the narrow register tiles. */
    V256_NARROW("v256-narrow", "SPECIES_256", true, RegisterTiles.NARROW),
    /** {@link #V512} with the wide register tiles. */
    V512_WIDE("v512-wide", "SPECIES_512", true, RegisterTiles.WIDE),
    /** {@link #V512} with the narrow register tiles. */
    V512_NARROW("v512-narrow", "SPECIES_512", true, RegisterTiles.NARROW),
    /** {@link #V256_DOT} with the wide register tiles. */
    V256_DOT_WIDE("v256-dot-wide", "SPECIES_256", false, RegisterTiles.WIDE),
    /** {@link #V256_DOT} with the narrow register tiles. */
    V256_DOT_NARROW("v256-dot-narrow", "SPECIES_256", false, RegisterTiles.NARROW),
    /** {@link #V512_DOT} with the wide register tiles. */
    V512_DOT_WIDE("v512-dot-wide", "SPECIES_512", false, RegisterTiles.WIDE),
    /** {@link #V512_DOT} with the narrow register tiles. */
    V512_DOT_NARROW("v512-dot-narrow", "SPECIES_512", false, RegisterTiles.NARROW);

    private final String id;
    private final String species;
    private final boolean columnForward;
    private final RegisterTiles tiles;

    Shape(String id, String species, boolean columnForward, RegisterTiles tiles) {
      this.id = id;
      this.species = species;
      this.columnForward = columnForward;
      this.tiles = tiles;
    }

    /** The shape's name, the part of a plan's name before any chunk suffix. */
    public String id() {
      return id;
    }

    /** The vector width the shape names, in bits; 0 for the preferred (the CPU's widest). */
    public int bits() {
      return switch (species) {
        case "SPECIES_256" -> 256;
        case "SPECIES_512" -> 512;
        default -> 0;
      };
    }

    /** The {@code FloatVector}/{@code DoubleVector} constant of the shape's species. */
    String speciesConstant() {
      return species;
    }

    /** Whether the batched forward pass runs in column tiles (else in dot products). */
    public boolean columnForward() {
      return columnForward;
    }

    /** The register tiles ({@link RegisterTiles#AUTO} without a -wide or -narrow suffix). */
    public RegisterTiles tiles() {
      return tiles;
    }

    /** What a CPU whose widest vectors have {@code cpuBits} bits runs for this shape. */
    Shape narrowedTo(int cpuBits) {
      if (bits() <= cpuBits) {
        return this;
      }
      return columnForward ? PREFERRED : PREFERRED_DOT;
    }
  }

  /**
   * The plan a class runs for this one on a CPU whose widest vectors have {@code cpuBits} bits:
   * this plan if it fits, else the preferred species with the same forward form (and chunk).
   */
  public KernelPlan narrowedTo(int cpuBits) {
    return new KernelPlan(shape.narrowedTo(cpuBits), chunk);
  }

  /**
   * The plan a generated vector class runs (its {@code KERNEL_PLAN}): the one it was given, or
   * its narrowing on a CPU whose vectors are narrower than the plan's.
   */
  public static KernelPlan running(Class<?> vectorClass) {
    try {
      return parse((String) vectorClass.getField("KERNEL_PLAN").get(null));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(vectorClass.getName() + " has no KERNEL_PLAN", e);
    }
  }

  /** The plan's name, as given to {@code netc.plan} and written in plan files. */
  public String id() {
    return chunk == 0 ? shape.id() : shape.id() + "-c" + chunk;
  }

  /**
   * The register tiles of the plan's batched kernels: {@link RegisterTiles#AUTO} (wide where the
   * CPU's preferred vectors have 512 bits) for the plans without a {@code -wide} or {@code
   * -narrow} suffix. A class generated with explicit tiles ({@link
   * CodegenPolicy#withRegisterTiles}) ignores this.
   */
  public RegisterTiles tiles() {
    return shape.tiles();
  }

  /**
   * The plans of this one's width, forward form and chunk with each explicit tile shape, wide
   * then narrow: what a planner times once it has chosen width and form.
   */
  public List<KernelPlan> tilings() {
    return Arrays.stream(Shape.values())
        .filter(s -> s.species.equals(shape.species) && s.columnForward == shape.columnForward
            && s.tiles != RegisterTiles.AUTO)
        .map(s -> new KernelPlan(s, chunk))
        .toList();
  }

  /**
   * The variants a planner times last, for a batched class whose chunk buffers hold {@code
   * capacity} examples, at batches of {@code batch}: this plan with half the chunk where a batch
   * holds more than that, else none. A smaller chunk keeps a large layer's chunk in a small L2
   * (Zen 3's 512 KB: docs/performance.md); a quarter chunk (16) ran slower on that host at
   * batches 32 and 128, so it is not a candidate.
   */
  public List<KernelPlan> chunkings(int capacity, int batch) {
    int half = capacity / 2;
    return half >= MIN_CHUNK && batch > half ? List.of(withChunk(half)) : List.of();
  }

  /**
   * The variants a planner times first: every explicit width, with each form of the forward
   * pass, tiles chosen by the register count (a width the CPU lacks is left out when its class
   * narrows it, {@link #narrowedTo}); then it times the winner's {@link #tilings}.
   */
  public static List<KernelPlan> candidates() {
    return List.of(V256, V512, V256_DOT, V512_DOT);
  }

  /**
   * The plan called {@code name} (a shape's name, ignoring case, with an optional {@code -cN}
   * chunk suffix); an error naming the valid plans otherwise.
   */
  public static KernelPlan parse(String name) {
    String text = name.trim().toLowerCase(Locale.ROOT);
    int chunk = 0;
    Matcher m = CHUNK_SUFFIX.matcher(text);
    if (m.find()) {
      chunk = Integer.parseInt(m.group(1));
      text = text.substring(0, m.start());
      if (chunk < MIN_CHUNK) {
        throw new IllegalArgumentException("kernel plan '" + name.trim() + "': the chunk (-c"
            + chunk + ") must be at least " + MIN_CHUNK + " examples");
      }
    }
    for (Shape s : Shape.values()) {
      if (s.id.equals(text)) {
        return new KernelPlan(s, chunk);
      }
    }
    throw new IllegalArgumentException("unknown kernel plan '" + name + "'; expected "
        + names());
  }

  /** The valid plan names, comma-separated, and how a chunk is named. */
  public static String names() {
    return Arrays.stream(Shape.values()).map(Shape::id).collect(Collectors.joining(", "))
        + " (each optionally followed by -cN: N examples per batched pass)";
  }

  @Override
  public String toString() {
    return id();
  }
}
