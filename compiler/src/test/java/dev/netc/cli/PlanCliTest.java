package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.codegen.CpuVectors;
import dev.netc.codegen.KernelPlan;
import dev.netc.ir.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netc tune} and the plan cache: a plan is timed, written and then used by train; a
 * corrupt plan file is ignored and the network planned again; a cache that cannot be written
 * leaves every command working. Each test points {@code netc.cacheDir} at its own folder.
 */
class PlanCliTest {
  // 40 × 30 weights: a looped layer, the kind a plan changes.
  private static final String NET = """
      network Planned {
        input 40
        dense 30 relu
        dense 3 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.01)
        init he(seed = 5)
        precision float
      }
      """;

  @TempDir Path dir;
  private String cacheBefore;

  @BeforeEach
  void ownCache() {
    cacheBefore = System.getProperty("netc.cacheDir");
    System.setProperty("netc.cacheDir", dir.resolve("cache").toString());
  }

  @AfterEach
  void restoreCache() {
    if (cacheBefore == null) {
      System.clearProperty("netc.cacheDir");
    } else {
      System.setProperty("netc.cacheDir", cacheBefore);
    }
  }

  private Path model() throws IOException {
    return Files.writeString(dir.resolve("planned.net"), NET);
  }

  private Path data() throws IOException {
    Random rnd = new Random(1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      for (int j = 0; j < 40; j++) {
        sb.append(String.format(Locale.ROOT, "%.3f,", rnd.nextGaussian()));
      }
      sb.append(rnd.nextInt(3)).append('\n');
    }
    return Files.writeString(dir.resolve("d.csv"), sb.toString());
  }

  private CliRunner train(String... extra) throws IOException {
    return trainAt("16", extra);
  }

  private CliRunner trainAt(String batch, String... extra) throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("train", model().toString(), "--data",
        data().toString(), "--batch", batch, "--epochs", "1", "--warm-up", "--backend",
        "vector", "--out", dir.resolve("w.safetensors").toString()));
    args.addAll(List.of(extra));
    return CliRunner.run(args.toArray(String[]::new));
  }

  private static List<Path> cacheFiles(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.sorted().toList();
    }
  }

  private static List<Path> planFiles(Path cache) throws IOException {
    Path plans = cache.resolve("plans");
    if (!Files.isDirectory(plans)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(plans)) {
      return s.filter(p -> p.toString().endsWith(".plan")).toList();
    }
  }

  @Test
  void tuneTimesEveryPlanWritesTheFastestAndTrainUsesIt() throws IOException {
    assertEquals(Optional.of(dir.resolve("cache")), Planner.sharedClassCache());
    CliRunner r = CliRunner.run("tune", model().toString(), "--batch", "40");
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("2 rounds (the fastest of each plan's)"), r::toString);
    for (KernelPlan p : KernelPlan.candidates()) {
      if (p.narrowedTo(CpuVectors.bits()).equals(p)) {
        assertTrue(r.out().contains("  " + p.id() + " "), r::toString);
      } else { // an AVX2-only CPU: the 512-bit plans would run 256-bit code
        assertTrue(r.out().lines().anyMatch(l -> l.contains(p.id())
            && l.endsWith(": wider than this CPU's vectors, not timed")), r::toString);
      }
    }
    // Then both register tile shapes of the fastest width and form.
    assertTrue(r.out().contains("-wide ") && r.out().contains("-narrow "), r::toString);
    // Then, at a batch above 32, the fastest of those with a chunk of 32 examples.
    assertTrue(r.out().lines().anyMatch(l -> l.matches("  v[0-9a-z-]+-c32 .*")), r::toString);
    assertTrue(r.out().contains("chose v"), r::toString);
    List<Path> files = planFiles(dir.resolve("cache"));
    assertEquals(1, files.size(), r::toString);
    String chosen = Files.readAllLines(files.get(0)).stream()
        .filter(l -> l.startsWith("plan=")).findFirst().orElseThrow().substring(5);
    assertTrue(r.out().contains("chose " + chosen + ":"), r::toString);
    CliRunner t = train();
    assertEquals(0, t.exitCode(), t::toString);
    assertTrue(t.out().contains("kernel plan " + chosen + ": cached"), t::toString);
    assertFalse(t.out().contains("planned: kernel plan"), t::toString);
  }

  /** Writes {@code content} as the cached plan file of the test's model; returns its path. */
  private Path writePlanFile(String content) throws IOException {
    Path file = new PlanCache(dir.resolve("cache").resolve("plans"))
        .file(Planner.source(ModelFile.load(model(), new java.io.PrintWriter(System.err)).select(null)));
    Files.createDirectories(file.getParent());
    return Files.writeString(file, content);
  }

  /**
   * The same network from another folder, or its path spelled otherwise, finds the plan (and the
   * compiled class) of the first: only the file's name goes into the class they are keyed by.
   */
  @Test
  void theSameNetworkElsewhereFindsItsPlan() throws IOException {
    CliRunner first = train();
    assertEquals(0, first.exitCode(), first::toString);
    assertTrue(first.out().contains("planned: kernel plan v"), first::toString);
    // Said before the planner's seconds of silence, not only after them.
    int announced = first.out().indexOf("planning: timing the kernel plans of Planned on this CPU");
    assertTrue(announced >= 0 && announced < first.out().indexOf("planned: "), first::toString);
    List<Path> classes = cacheFiles(dir.resolve("cache").resolve("classes"));
    assertFalse(classes.isEmpty(), "the class is cached");
    Path copy = Files.createDirectories(dir.resolve("elsewhere")).resolve("planned.net");
    Files.writeString(copy, NET);
    Path dotted = dir.resolve("elsewhere").resolve("..").resolve("elsewhere")
        .resolve("planned.net");
    for (Path model : List.of(copy, dotted)) {
      CliRunner again = CliRunner.run("train", model.toString(), "--data", data().toString(),
          "--batch", "16", "--epochs", "1", "--warm-up", "--backend", "vector", "--out",
          dir.resolve("w2.safetensors").toString());
      assertEquals(0, again.exitCode(), again::toString);
      assertTrue(again.out().contains(": cached"), again::toString);
      assertFalse(again.out().contains("planned: kernel plan"), again::toString);
      assertFalse(again.out().contains("planning: "), again::toString);
    }
    assertEquals(1, planFiles(dir.resolve("cache")).size());
    assertEquals(classes, cacheFiles(dir.resolve("cache").resolve("classes")),
        "no class compiled again");
    Network a = ModelFile.load(model(), new java.io.PrintWriter(System.err)).select(null);
    Network b = ModelFile.load(dotted, new java.io.PrintWriter(System.err)).select(null);
    assertEquals(Planner.source(a), Planner.source(b));
    assertEquals("planned.net", Backends.inMemory(b).sourceFile());
    assertEquals(b.withSourceFile("planned.net"), Backends.inMemory(b));
  }

  @Test
  void corruptPlanFileIsIgnoredAndReplanned() throws IOException {
    Path file = writePlanFile("plan=v9999\n\u0000garbage");
    CliRunner t = train();
    assertEquals(0, t.exitCode(), t::toString);
    assertTrue(t.out().contains("planned: kernel plan v"), t::toString);
    String rewritten = Files.readString(file);
    assertTrue(rewritten.contains("plan=v256") || rewritten.contains("plan=v512"), rewritten);
    assertTrue(train().out().contains(": cached"), "the rewritten plan is used next time");
  }

  @Test
  void unwritableCacheStillRuns() throws IOException {
    // A regular file where the cache folder should be: nothing can be created below it (as root
    // too, which permissions would not stop).
    Path blocked = Files.writeString(dir.resolve("not-a-dir"), "x");
    System.setProperty("netc.cacheDir", blocked.toString());
    // The variants' JVMs share a temporary class cache instead (each compiled the class
    // itself: 21 s against 8 s for this tune on a Zen 3 host).
    assertTrue(Planner.sharedClassCache().isEmpty());
    CliRunner r = CliRunner.run("tune", model().toString(), "--batch", "8", "--rounds", "1");
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("1 round (the fastest"), r::toString);
    assertTrue(r.out().contains("cannot write to " + blocked.resolve("plans")), r::toString);
    CliRunner t = train();
    assertEquals(0, t.exitCode(), t::toString);
    assertTrue(t.out().contains("planned: kernel plan v"), t::toString);
    assertTrue(t.out().contains("not cached"), t::toString);
  }

  @Test
  void tuneRoundsOutOfRangeIsAUsageError() throws IOException {
    CliRunner r = CliRunner.run("tune", model().toString(), "--rounds", "0");
    assertEquals(2, r.exitCode(), r::toString);
    assertTrue(r.err().contains("--rounds must be between 1 and 10, not 0"), r::toString);
  }

  @Test
  void explicitPlanSkipsPlanningAndBadNamesAreUserErrors() throws IOException {
    CliRunner t = train("--plan", "v256");
    assertEquals(0, t.exitCode(), t::toString);
    assertTrue(t.out().contains("kernel plan v256: --plan"), t::toString);
    assertFalse(t.out().contains("planned: kernel plan"), t::toString);
    CliRunner bad = train("--plan", "v1024");
    assertEquals(1, bad.exitCode(), bad::toString);
    assertTrue(bad.err().contains("--plan: unknown kernel plan 'v1024'"), bad::toString);
  }

  /**
   * A plan timed at batch 32 never tried the chunk of 32 (one chunk either way there): training
   * a fully connected network at a larger batch plans it again, once; the new plan, timed at
   * that batch, then serves every batch.
   */
  @Test
  void aPlanTimedAtASmallBatchIsRetimedForALargerOne() throws IOException {
    Path file = writePlanFile("plan=v256\nbatch=32\n");
    CliRunner same = trainAt("32");
    assertEquals(0, same.exitCode(), same::toString);
    assertTrue(same.out().contains("kernel plan v256: cached"), same::toString);
    assertFalse(same.out().contains("planned: kernel plan"), same::toString);
    CliRunner larger = trainAt("40");
    assertEquals(0, larger.exitCode(), larger::toString);
    assertTrue(larger.out().contains("planned: kernel plan v"), larger::toString);
    assertTrue(larger.out().lines().anyMatch(l -> l.contains("-c32 ")), larger::toString);
    assertTrue(Files.readString(file).contains("batch=40"), Files.readString(file));
    for (String batch : List.of("40", "16")) {
      CliRunner again = trainAt(batch);
      assertFalse(again.out().contains("planned: kernel plan"), again::toString);
    }
  }

  @Test
  void coversTellsWhichBatchesACachedPlanServes() throws IOException {
    Network mlp = ModelFile.load(model(), new java.io.PrintWriter(System.err)).select(null);
    assertTrue(Planner.covers(mlp, KernelPlan.V256, 32, 32));
    assertFalse(Planner.covers(mlp, KernelPlan.V256, 32, 128));
    assertFalse(Planner.covers(mlp, KernelPlan.V256, 0, 128));
    assertTrue(Planner.covers(mlp, KernelPlan.V256, 128, 32));
    assertTrue(Planner.covers(mlp, KernelPlan.V256.withChunk(32), 32, 128));
  }

  @Test
  void planCacheRoundTripsAndIgnoresUnknownPlans() throws IOException {
    PlanCache cache = new PlanCache(dir.resolve("plans"));
    assertEquals(Optional.empty(), cache.read("source"));
    Optional<Path> written = cache.write("source", KernelPlan.V256, Map.of("batch", "32"));
    assertTrue(written.isPresent());
    assertEquals(Optional.of(KernelPlan.V256), cache.read("source"));
    assertEquals(Optional.of(new PlanCache.Entry(KernelPlan.V256, 32)), cache.entry("source"));
    assertEquals(Optional.empty(), cache.read("other source"));
    Files.writeString(written.get(), "plan=\n");
    assertEquals(Optional.empty(), cache.read("source"));
    assertTrue(PlanCache.cpuModel().length() > 0);
  }

  /** A convolution's kernels are written in the plan's vectors and tiles: a CNN is tuned. */
  @Test
  void convolutionalNetworkIsTuned() throws IOException {
    Path cnn = Files.writeString(dir.resolve("cnn.net"), """
        network TinyCnn {
          input 1x8x8
          conv2d 4 3x3 relu
          dense 3 softmax
          loss cross_entropy
        }
        """);
    CliRunner r = CliRunner.run("tune", cnn.toString(), "--batch", "4", "--rounds", "1");
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("chose v"), r::toString);
    assertFalse(r.out().contains("nothing to tune"), r::toString);
  }

  @Test
  void networkWithoutLoopedLayersHasNothingToTune() throws IOException {
    Path xor = Files.writeString(dir.resolve("xor.net"), """
        network Tiny {
          input 2
          dense 4 tanh
          dense 1 sigmoid
        }
        """);
    CliRunner r = CliRunner.run("tune", xor.toString());
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("nothing to tune"), r::toString);
  }
}
