package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import javax.lang.model.element.Modifier;

/**
 * What the Vector API kernels share: the vector class of the network's precision, its species
 * constants and a register-tiled block of dot products ({@code jdk.incubator.vector} with FMA
 * and a scalar tail).
 */
final class VectorLoops {
  /** The Vector API's package, for every vector type the generated code names. */
  static final String VECTOR_PACKAGE = "jdk.incubator.vector";
  /**
   * The class constant that picks wide or narrow register tiles at class initialization ({@link
   * CodegenPolicy.RegisterTiles#AUTO}).
   */
  static final String WIDE_TILES = "WIDE_TILES";

  private final EmitContext ctx;

  VectorLoops(EmitContext ctx) {
    this.ctx = ctx;
  }

  /** {@code FloatVector} or {@code DoubleVector}. */
  ClassName vectorType() {
    return ClassName.get(VECTOR_PACKAGE,
        ctx.precision() == Precision.FLOAT ? "FloatVector" : "DoubleVector");
  }

  /** {@code VectorMask<Float>} or {@code VectorMask<Double>}: a compare's result. */
  TypeName maskType() {
    return ParameterizedTypeName.get(ClassName.get(VECTOR_PACKAGE, "VectorMask"),
        ctx.scalar().box());
  }

  /**
   * The species constants of a vector class: {@code KERNEL_PLAN} (the plan picked at class
   * initialization, see {@link KernelPlan}), its {@code SPECIES} and {@code LANES}, and, for a
   * network with convolutions or batched kernels, the shape of their register tiles ({@link
   * CodegenPolicy.RegisterTiles}).
   */
  List<FieldSpec> constants() {
    TypeName boxed = ctx.precision() == Precision.FLOAT ? ClassName.get(Float.class)
        : ClassName.get(Double.class);
    TypeName species = ParameterizedTypeName.get(
        ClassName.get(VECTOR_PACKAGE, "VectorSpecies"), boxed);
    List<FieldSpec> fields = new ArrayList<>(List.of(
        FieldSpec.builder(String.class, "REQUESTED_PLAN", Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("The kernel plan asked for: the system property {@code netc.plan.$L}, "
                + "else {@code netc.plan},\nelse {@code $L}; one of $L.\n",
                ctx.network().name(), ctx.policy().plan().id(), KernelPlan.names())
            .initializer("System.getProperty($S, System.getProperty($S, $S))"
                + ".trim().toLowerCase($T.ROOT)",
                "netc.plan." + ctx.network().name(), "netc.plan", ctx.policy().plan().id(),
                Locale.class)
            .build(),
        FieldSpec.builder(String.class, "CHUNK_SUFFIX", Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("The chunk {@link #REQUESTED_PLAN} names ({@code -cN}: N examples per "
                + "batched pass), or \"\".\n")
            .initializer("REQUESTED_PLAN.matches($S) ? REQUESTED_PLAN.substring("
                + "REQUESTED_PLAN.lastIndexOf($S)) : $S", ".*" + KernelPlan.CHUNK_SUFFIX_REGEX, "-c", "")
            .build(),
        FieldSpec.builder(String.class, "REQUESTED_SHAPE", Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("{@link #REQUESTED_PLAN} without its chunk.\n")
            .initializer("REQUESTED_PLAN.substring(0, REQUESTED_PLAN.length() - "
                + "CHUNK_SUFFIX.length())")
            .build(),
        FieldSpec.builder(String.class, "KERNEL_SHAPE", Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("The vector shape this class runs: that of {@link #REQUESTED_PLAN}, or "
                + "the preferred species with the\nsame forward form where this CPU's vectors "
                + "are narrower than the plan's (a wider species would run\nthe Vector API's "
                + "slow Java fallback).\n")
            .initializer(narrowingSwitch())
            .build(),
        FieldSpec.builder(String.class, "KERNEL_PLAN", Modifier.PUBLIC, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("The kernel plan this class runs: its shape and the chunk asked for.\n")
            .initializer("KERNEL_SHAPE + CHUNK_SUFFIX")
            .build(),
        FieldSpec.builder(species, "SPECIES", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("The vector shape of {@link #KERNEL_PLAN}: a constant to the JIT.\n")
            .initializer(speciesSwitch())
            .build(),
        FieldSpec.builder(TypeName.INT, "LANES", Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .initializer("SPECIES.length()")
            .build(),
        FieldSpec.builder(TypeName.BOOLEAN, "COLUMN_FORWARD", Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("Whether {@link #KERNEL_PLAN} runs the batched forward pass in column "
                + "tiles (else in dot products).\n")
            .initializer(columnSwitch())
            .build()));
    boolean convolves = ctx.network().layers().stream().anyMatch(l -> l instanceof Conv2d);
    // A large dense layer's one-example forward pass picks its tile height by the switch too,
    // also in a class without a mini-batch path (chunk 0).
    boolean tiled = convolves || ctx.policy().batched(ctx.network())
        || ctx.network().layers().stream().anyMatch(l -> l instanceof dev.netc.ir.Dense
            && ctx.policy().kernel(l) == CodegenPolicy.Kernel.LOOPED
            && VectorBackend.widensForward(l, ctx.policy(), ctx.scalarBytes()));
    if (tiled && ctx.policy().registerTiles() == CodegenPolicy.RegisterTiles.AUTO) {
      fields.add(FieldSpec.builder(TypeName.BOOLEAN, WIDE_TILES, Modifier.PRIVATE,
              Modifier.STATIC, Modifier.FINAL)
          .addJavadoc("Whether the register tiles are the wide ones, for AVX-512's 32 vector "
              + "registers (else those that fit\nAVX2's 16): convolution tiles of 8 rows × 3 "
              + "vectors of positions or 4 × 4 (else 4 × 2),\nbatched dense tiles of 8 rows × 3 "
              + "vectors (else 6 × 2).\n"
              + "As {@link #KERNEL_PLAN} says ({@code -wide}, {@code -narrow}), else wide\n"
              + "where the CPU's preferred vectors have 512 bits.\n")
          .initializer(tilesSwitch())
          .build());
    }
    return fields;
  }

  /**
   * A switch from the requested shape to the one this CPU runs: a shape of an explicit width
   * keeps it if the CPU's widest vectors ({@code SPECIES_PREFERRED}) are as wide, else narrows to
   * the preferred species ({@link KernelPlan#narrowedTo}).
   */
  private CodeBlock narrowingSwitch() {
    CodeBlock.Builder c = CodeBlock.builder().add("switch (REQUESTED_SHAPE) {\n$>");
    for (KernelPlan.Shape p : KernelPlan.Shape.values()) {
      if (p.bits() > 0) {
        c.add("case $S -> $T.SPECIES_PREFERRED.vectorBitSize() >= $L ? $S : $S;\n", p.id(),
            vectorType(), p.bits(), p.id(), p.narrowedTo(0).id());
      }
    }
    // The preferred shapes, and unknown names, which SPECIES rejects.
    c.add("default -> REQUESTED_SHAPE;\n");
    return c.add("$<}").build();
  }

  /** A switch from the plan name to its register tiles ({@link KernelPlan#tiles}). */
  private CodeBlock tilesSwitch() {
    CodeBlock.Builder c = CodeBlock.builder().add("switch (KERNEL_SHAPE) {\n$>");
    for (KernelPlan.Shape p : KernelPlan.Shape.values()) {
      if (p.tiles() != CodegenPolicy.RegisterTiles.AUTO) {
        c.add("case $S -> $L;\n", p.id(), p.tiles() == CodegenPolicy.RegisterTiles.WIDE);
      }
    }
    c.add("default -> $T.SPECIES_PREFERRED.vectorBitSize() >= 512;\n", vectorType());
    return c.add("$<}").build();
  }

  /** A switch from the plan name to its form of the forward pass (column tiles or not). */
  private static CodeBlock columnSwitch() {
    CodeBlock.Builder c = CodeBlock.builder().add("switch (KERNEL_SHAPE) {\n$>");
    for (KernelPlan.Shape p : KernelPlan.Shape.values()) {
      c.add("case $S -> $L;\n", p.id(), p.columnForward());
    }
    // SPECIES (initialized first) has already rejected any other name.
    c.add("default -> true;\n");
    return c.add("$<}").build();
  }

  /** A switch from the plan name to its species; an unknown name fails class initialization. */
  private CodeBlock speciesSwitch() {
    CodeBlock.Builder c = CodeBlock.builder().add("switch (KERNEL_SHAPE) {\n$>");
    for (KernelPlan.Shape p : KernelPlan.Shape.values()) {
      c.add("case $S -> $T.$L;\n", p.id(), vectorType(), p.speciesConstant());
    }
    c.add("default -> throw new IllegalArgumentException($S + KERNEL_PLAN + $S);\n",
        "netc.plan: unknown kernel plan '", "'; expected " + KernelPlan.names());
    return c.add("$<}").build();
  }

  /**
   * Dot products of {@code rows} rows of {@code w} (at {@code wOff(r)}) with
   * {@code cols} rows of {@code x} (at {@code xOff(u)}), all of length {@code len}, into scalar
   * locals {@code sRU}. Each weight vector loaded serves {@code cols} FMAs, each input vector
   * {@code rows}; the {@code rows * cols} accumulators are reduced once at the end.
   */
  void dotTile(CodeBlock.Builder c, int rows, int cols, String w, IntFunction<String> wOff,
      String x, IntFunction<String> xOff, String len) {
    TypeName t = ctx.scalar();
    ClassName v = vectorType();
    for (int r = 0; r < rows; r++) {
      for (int u = 0; u < cols; u++) {
        c.addStatement("$T acc$L$L = $T.zero(SPECIES)", v, r, u, v);
      }
    }
    c.addStatement("int j = 0");
    c.addStatement("int bound = SPECIES.loopBound($L)", len);
    c.beginControlFlow("for (; j < bound; j += LANES)");
    for (int u = 0; u < cols; u++) {
      c.addStatement("$T x$L = $T.fromArray(SPECIES, $L, $L + j)", v, u, v, x, xOff.apply(u));
    }
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T w$L = $T.fromArray(SPECIES, $L, $L + j)", v, r, v, w, wOff.apply(r));
      for (int u = 0; u < cols; u++) {
        c.addStatement("acc$L$L = w$L.fma(x$L, acc$L$L)", r, u, r, u, r, u);
      }
    }
    c.endControlFlow();
    ClassName ops = ClassName.get(VECTOR_PACKAGE, "VectorOperators");
    for (int r = 0; r < rows; r++) {
      for (int u = 0; u < cols; u++) {
        c.addStatement("$T s$L$L = acc$L$L.reduceLanes($T.ADD)", t, r, u, r, u, ops);
      }
    }
    c.beginControlFlow("for (; j < $L; j++)", len);
    for (int u = 0; u < cols; u++) {
      c.addStatement("$T x$L = $L[$L + j]", t, u, x, xOff.apply(u));
    }
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T w$L = $L[$L + j]", t, r, w, wOff.apply(r));
      for (int u = 0; u < cols; u++) {
        c.addStatement("s$L$L += w$L * x$L", r, u, r, u);
      }
    }
    c.endControlFlow();
  }

  /**
   * Emits {@code body} for the policy's register tiles: for one shape, or for AUTO both, behind
   * {@link #WIDE_TILES}.
   */
  void byRegisterTiles(CodeBlock.Builder c, Consumer<CodegenPolicy.RegisterTiles> body) {
    CodegenPolicy.RegisterTiles tiles = ctx.policy().registerTiles();
    if (tiles != CodegenPolicy.RegisterTiles.AUTO) {
      body.accept(tiles);
      return;
    }
    c.beginControlFlow("if ($L)", WIDE_TILES);
    body.accept(CodegenPolicy.RegisterTiles.WIDE);
    c.nextControlFlow("else");
    body.accept(CodegenPolicy.RegisterTiles.NARROW);
    c.endControlFlow();
  }
}
