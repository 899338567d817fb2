package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.cli.ChildJvm;
import dev.netc.ir.Activation;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.runtime.LossReduction;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vector backend's kernel variants agree with each other: identical initial weights, and
 * gradients and trained weights that differ only by summation order, within {@link Tolerance}
 * (float: relative 1e-4, double: 1e-10, errors of elements under 1e-3 of the largest counted as
 * absolute). Also how a class picks its plan: the system property first, else its default.
 */
class KernelPlanTest {

  @ParameterizedTest
  @EnumSource(Precision.class)
  void variantsDifferOnlyBySummationOrder(Precision p) {
    // 70 and 45 are not multiples of 8 or 16 lanes: both widths run their scalar tails.
    Network net = MethodSizeTest.network("Agree" + p.name(), p, new int[] {70, 45, 33, 10},
        new Activation.Tanh(), new Loss.CrossEntropy(LossReduction.MEAN),
        new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 0));
    agree(net, KernelPlan.V256, KernelPlan.V512);
  }

  /**
   * The {@code -wide} and {@code -narrow} plans set the class's register tiles, whatever the
   * CPU's register count, and agree with each other as the widths do.
   */
  @ParameterizedTest
  @EnumSource(Precision.class)
  void registerTilesFollowThePlan(Precision p) throws ReflectiveOperationException {
    Network net = MethodSizeTest.network("Tiles" + p.name(), p, new int[] {70, 45, 33, 10},
        new Activation.Tanh(), new Loss.CrossEntropy(LossReduction.MEAN),
        new Optimizer.Sgd(0.01, 0.9, false, 0));
    for (KernelPlan plan : KernelPlan.V256.tilings()) {
      Class<?> type = compiled(net, plan).load("gen.plan." + net.name());
      java.lang.reflect.Field wide = type.getDeclaredField("WIDE_TILES");
      wide.setAccessible(true);
      assertEquals(plan.tiles() == CodegenPolicy.RegisterTiles.WIDE, wide.get(null), plan.id());
    }
    agree(net, KernelPlan.V256_WIDE, KernelPlan.V256_NARROW);
  }

  /**
   * A plan's chunk ({@code -cN}) sets the class's examples per batched pass, and changes the
   * results only by summation order (the weight gradient's tiles sum a chunk's examples in
   * vector lanes before they add them to the buffer): 19 examples go through in passes of 8,
   * 8 and 3 against one of 19.
   */
  @ParameterizedTest
  @EnumSource(Precision.class)
  void aPlansChunkSplitsBatchesDifferingOnlyBySummationOrder(Precision p)
      throws ReflectiveOperationException {
    Network net = MethodSizeTest.network("Chunk" + p.name(), p, new int[] {70, 45, 33, 10},
        new Activation.Tanh(), new Loss.CrossEntropy(LossReduction.MEAN),
        new Optimizer.Sgd(0.01, 0.9, true, 1e-3));
    for (KernelPlan plan : List.of(KernelPlan.V256, KernelPlan.V256.withChunk(8))) {
      java.lang.reflect.Field chunk = compiled(net, plan).load("gen.plan." + net.name())
          .getDeclaredField("CHUNK");
      chunk.setAccessible(true);
      assertEquals(plan.chunk() == 0 ? 64 : plan.chunk(), chunk.get(null), plan.id());
    }
    agree(net, KernelPlan.V256, KernelPlan.V256.withChunk(8));
  }

  /** A planner times half the chunk only where a batch holds more than that. */
  @Test
  void aPlannerTimesHalfTheChunkAtLargerBatches() {
    assertEquals(List.of(), KernelPlan.V256_WIDE.chunkings(64, 32));
    assertEquals(List.of(KernelPlan.V256_WIDE.withChunk(32)),
        KernelPlan.V256_WIDE.chunkings(64, 33));
    assertEquals(List.of(KernelPlan.V512_DOT.withChunk(32)),
        KernelPlan.V512_DOT.chunkings(64, 128));
    assertEquals(List.of(), KernelPlan.V256.chunkings(6, 128));
  }

  /**
   * A chunk larger than the class's buffers fails class initialization saying so; one below the
   * minimum is no plan at all; a policy cannot ask for more than its buffers hold.
   */
  @Test
  void aChunkOutsideTheBuffersIsRefused() {
    assertEquals("netc.plan: kernel plan 'v256-c128' asks for a chunk outside this class's "
        + "[4, 64] examples", initializationError("PlanChunkTooBig", "v256-c128"));
    assertEquals("kernel plan 'v256-c2': the chunk (-c2) must be at least 4 examples",
        assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("v256-c2"))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("v256-c"));
    assertThrows(IllegalArgumentException.class, () -> KernelPlan.parse("-c32"));
    assertEquals("kernel plan v256-c128 asks for more examples per batched pass than the chunk "
        + "of 64", assertThrows(IllegalArgumentException.class,
            () -> policy(KernelPlan.V256.withChunk(128))).getMessage());
  }

  /** Plans {@code pa} and {@code pb} of {@code net} compute the same within {@link Tolerance}. */
  private static void agree(Network net, KernelPlan pa, KernelPlan pb) {
    Precision p = net.precision();
    Generated a = compile(net, pa);
    Generated b = compile(net, pb);
    assertArrayEquals(a.parameters(), b.parameters());
    Random rnd = new Random(15);
    int n = 19;
    double[] xs = new double[n * 70];
    double[] ts = new double[n * 10];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) rnd.nextGaussian();
    }
    for (int e = 0; e < n; e++) {
      ts[e * 10 + rnd.nextInt(10)] = 1;
    }
    Tolerance tol = Tolerance.of(p);
    double[] ga = new double[a.parameters().length];
    double[] gb = new double[ga.length];
    double la = a.gradient(xs, ts, n, ga);
    double lb = b.gradient(xs, ts, n, gb);
    tol.check("loss", new double[] {lb}, new double[] {la});
    tol.check("gradient", gb, ga);
    for (int step = 0; step < 3; step++) {
      a.trainBatch(xs, ts, n);
      b.trainBatch(xs, ts, n);
    }
    tol.check("parameters after 3 steps", b.parameters(), a.parameters());
    tol.check("predictions", b.predictBatch(xs, n, 10), a.predictBatch(xs, n, 10));
  }

  @Test
  void systemPropertyOverridesTheDefaultPlan() throws ReflectiveOperationException {
    Network net = MethodSizeTest.network("PlanByProperty", Precision.FLOAT,
        new int[] {40, 30, 3}, new Activation.Relu(), null,
        new Optimizer.Sgd(0.01, 0, false, 0));
    System.setProperty("netc.plan.PlanByProperty", " V256 ");
    try {
      Class<?> type = compiled(net, KernelPlan.V512).load("gen.plan.PlanByProperty");
      assertEquals("v256", type.getField("KERNEL_PLAN").get(null));
      assertTrue(type.getConstructor().newInstance() != null);
    } finally {
      System.clearProperty("netc.plan.PlanByProperty");
    }
  }

  @Test
  void unknownPlanFailsClassInitializationNamingTheChoices() {
    assertEquals("netc.plan: unknown kernel plan 'v1024'; expected preferred, v256, v512, v256-dot, v512-dot, preferred-dot, v256-wide, v256-narrow, v512-wide, v512-narrow, v256-dot-wide, v256-dot-narrow, v512-dot-wide, v512-dot-narrow (each optionally followed by -cN: N examples per batched pass)",
        initializationError("PlanUnknown", "v1024"));
  }

  /**
   * The message with which a class {@code name} (a small MLP) given {@code plan} through its
   * system property fails to initialize.
   */
  private static String initializationError(String name, String plan) {
    Network net = MethodSizeTest.network(name, Precision.FLOAT, new int[] {40, 30, 3},
        new Activation.Relu(), null, new Optimizer.Sgd(0.01, 0, false, 0));
    System.setProperty("netc.plan." + name, plan);
    try {
      InMemoryCompiler.Compiled c = compiled(net, KernelPlan.V256);
      return assertThrows(ExceptionInInitializerError.class, () -> c.load("gen.plan." + name))
          .getCause().getMessage();
    } finally {
      System.clearProperty("netc.plan." + name);
    }
  }

  /**
   * On a CPU whose vectors are narrower than a plan's, the class runs the preferred species with
   * the plan's forward form, and says so in {@code KERNEL_PLAN}: a JVM limited to 128-bit vectors
   * ({@code -XX:MaxVectorSize=16}) stands in for such a CPU. Each narrowed class computes exactly
   * what the plan it narrows to computes.
   */
  @Test
  void aPlanWiderThanTheCpuRunsThePreferredSpecies() throws Exception {
    ChildJvm.Outcome o = ChildJvm.run(List.of("-XX:MaxVectorSize=16"),
        KernelPlanTest.class.getName(), List.of(), 300);
    assertEquals(0, o.exitCode(), o.out() + o.err());
    assertEquals("""
        preferred -> preferred
        v256 -> preferred
        v512 -> preferred
        v256-dot -> preferred-dot
        v512-dot -> preferred-dot
        preferred-dot -> preferred-dot
        v256-wide -> preferred
        v256-narrow -> preferred
        v512-wide -> preferred
        v512-narrow -> preferred
        v256-dot-wide -> preferred-dot
        v256-dot-narrow -> preferred-dot
        v512-dot-wide -> preferred-dot
        v512-dot-narrow -> preferred-dot
        v512-dot-c16 -> preferred-dot-c16
        """, o.out());
  }

  /** In a JVM with narrow vectors: each plan, the plan its class runs, as {@code v512 -> x}. */
  public static void main(String[] args) throws ReflectiveOperationException {
    if (CpuVectors.bits() != 128) {
      throw new IllegalStateException("run with -XX:MaxVectorSize=16");
    }
    Network net = MethodSizeTest.network("Narrow", Precision.FLOAT, new int[] {40, 30, 3},
        new Activation.Tanh(), new Loss.CrossEntropy(LossReduction.MEAN),
        new Optimizer.Sgd(0.01, 0.9, false, 0));
    float[] xs = new float[5 * 40];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) Math.sin(i);
    }
    java.util.Map<String, float[]> outputs = new java.util.HashMap<>();
    List<KernelPlan> plans = new java.util.ArrayList<>(
        java.util.Arrays.stream(KernelPlan.Shape.values()).map(KernelPlan::of).toList());
    plans.add(KernelPlan.V512_DOT.withChunk(16));
    for (KernelPlan p : plans) {
      Class<?> type = compiled(net, p).load("gen.plan.Narrow");
      String running = KernelPlan.running(type).id();
      dev.netc.runtime.FloatNetwork f =
          (dev.netc.runtime.FloatNetwork) type.getConstructor().newInstance();
      float[] out = new float[5 * 3];
      f.predictBatch(xs, out, 5);
      float[] same = outputs.putIfAbsent(running, out);
      if (same != null && !java.util.Arrays.equals(same, out)) {
        throw new AssertionError(p + " computes other outputs than " + running);
      }
      System.out.println(p + " -> " + running);
    }
  }

  @Test
  void parseAcceptsEveryNameAndRejectsOthers() {
    for (KernelPlan.Shape shape : KernelPlan.Shape.values()) {
      for (KernelPlan p : List.of(KernelPlan.of(shape), KernelPlan.of(shape).withChunk(32))) {
        assertEquals(p, KernelPlan.parse(p.id().toUpperCase(java.util.Locale.ROOT)));
      }
    }
    assertEquals(new KernelPlan(KernelPlan.Shape.V512_DOT_WIDE, 16),
        KernelPlan.parse(" v512-dot-wide-c16 "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KernelPlan.parse("v128"));
    assertEquals("unknown kernel plan 'v128'; expected preferred, v256, v512, v256-dot, v512-dot, preferred-dot, v256-wide, v256-narrow, v512-wide, v512-narrow, v256-dot-wide, v256-dot-narrow, v512-dot-wide, v512-dot-narrow (each optionally followed by -cN: N examples per batched pass)", e.getMessage());
  }

  private static Generated compile(Network net, KernelPlan plan) {
    return Generated.compile(List.of(net), "gen.plan." + plan.id().replace("-", ""), policy(plan)).get(0);
  }

  private static InMemoryCompiler.Compiled compiled(Network net, KernelPlan plan) {
    return InMemoryCompiler.compile(List.of(JavaGenerator.generate(net, "gen.plan",
        policy(plan))));
  }

  private static CodegenPolicy policy(KernelPlan plan) {
    return CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR).withPlan(plan);
  }
}
