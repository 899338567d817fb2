package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.runtime.FloatNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassCacheTest {
  private static final String PACKAGE = "cache.test";

  @TempDir Path dir;

  private static List<JavaFile> xor() {
    return List.of(JavaGenerator.generate(SampleNetworks.xor(), PACKAGE));
  }

  private static float[] predict(InMemoryCompiler.Compiled compiled) throws Exception {
    FloatNetwork net = (FloatNetwork) compiled.load(PACKAGE + ".Xor").getConstructor()
        .newInstance();
    float[] out = new float[1];
    net.predict(new float[] {1, 0}, out);
    return out;
  }

  private Path onlyEntry() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("classes"))) {
      List<Path> entries = s.toList();
      assertEquals(1, entries.size(), entries.toString());
      return entries.get(0);
    }
  }

  @Test
  void secondCompileOfTheSameSourceComesFromTheCache() throws Exception {
    InMemoryCompiler.Compiled first = new ClassCache(dir).compile(xor());
    ClassCache again = new ClassCache(dir);
    InMemoryCompiler.Compiled second = again.compile(xor());
    assertEquals(1, again.hits());
    assertEquals(first.classFiles().keySet(), second.classFiles().keySet());
    for (String name : first.classFiles().keySet()) {
      assertArrayEquals(first.classFiles().get(name), second.classFiles().get(name), name);
    }
    assertArrayEquals(predict(first), predict(second));
  }

  @Test
  void anotherSourceIsAnotherEntry() {
    ClassCache cache = new ClassCache(dir);
    cache.compile(xor());
    cache.compile(List.of(JavaGenerator.generate(SampleNetworks.iris(), PACKAGE)));
    assertEquals(0, cache.hits());
  }

  @Test
  void aDamagedEntryIsRecompiledAndRewritten() throws Exception {
    new ClassCache(dir).compile(xor());
    Path entry = onlyEntry();
    byte[] bytes = Files.readAllBytes(entry);
    bytes[bytes.length / 2] ^= 1;
    Files.write(entry, bytes);
    ClassCache cache = new ClassCache(dir);
    float[] recompiled = predict(cache.compile(xor()));
    assertEquals(0, cache.hits(), "a damaged entry is not used");
    assertArrayEquals(recompiled, predict(cache.compile(xor())));
    assertEquals(1, cache.hits(), "the recompiled classes were written again");
  }

  /** xor()'s sources, counting how often they are generated. */
  private static Supplier<List<JavaFile>> counted(AtomicInteger generated) {
    return () -> {
      generated.incrementAndGet();
      return xor();
    };
  }

  @Test
  void aRecipeSeenBeforeByTheSameBuildIsNotGeneratedAgain() throws Exception {
    AtomicInteger generated = new AtomicInteger();
    InMemoryCompiler.Compiled first =
        new ClassCache(dir, Optional.of("build 1")).compile("xor recipe", counted(generated));
    ClassCache again = new ClassCache(dir, Optional.of("build 1"));
    InMemoryCompiler.Compiled second = again.compile("xor recipe", counted(generated));
    assertEquals(1, generated.get(), "the second compile reads the index, not the generator");
    assertEquals(1, again.hits());
    assertEquals(first.classFiles().keySet(), second.classFiles().keySet());
    assertArrayEquals(predict(first), predict(second));
  }

  @Test
  void anotherBuildOrRecipeGeneratesAgain() throws Exception {
    AtomicInteger generated = new AtomicInteger();
    new ClassCache(dir, Optional.of("build 1")).compile("xor recipe", counted(generated));
    new ClassCache(dir, Optional.of("build 2")).compile("xor recipe", counted(generated));
    new ClassCache(dir, Optional.of("build 1")).compile("other recipe", counted(generated));
    assertEquals(3, generated.get());
    // Without a build (classes from a directory) recipes are not indexed at all.
    ClassCache unbuilt = new ClassCache(dir, Optional.empty());
    unbuilt.compile("xor recipe", counted(generated));
    assertEquals(4, generated.get());
    assertEquals(1, unbuilt.hits(), "the generated source still finds its class entry");
  }

  @Test
  void aDamagedIndexOrAMissingEntryGeneratesAgain() throws Exception {
    AtomicInteger generated = new AtomicInteger();
    new ClassCache(dir, Optional.of("b")).compile("xor recipe", counted(generated));
    Path index;
    try (Stream<Path> s = Files.list(dir.resolve("recipes"))) {
      index = s.findFirst().orElseThrow();
    }
    Files.writeString(index, "not a key");
    float[] out = predict(new ClassCache(dir, Optional.of("b")).compile("xor recipe",
        counted(generated)));
    assertEquals(2, generated.get(), "a damaged index is not used");
    assertEquals(1, out.length);
    Files.delete(onlyEntry());
    ClassCache cache = new ClassCache(dir, Optional.of("b"));
    assertEquals(1, predict(cache.compile("xor recipe", counted(generated))).length);
    assertEquals(3, generated.get(), "an index whose entry is gone is not used");
    assertEquals(0, cache.hits());
  }

  @Test
  void aSourceDigestIsIndexedByRecipe() {
    AtomicInteger generated = new AtomicInteger();
    Supplier<String> source = () -> {
      generated.incrementAndGet();
      return "class X {}";
    };
    String first = new ClassCache(dir, Optional.of("b")).sourceDigest("x", source);
    String second = new ClassCache(dir, Optional.of("b")).sourceDigest("x", source);
    assertEquals(ClassCache.digest("class X {}"), first);
    assertEquals(first, second);
    assertEquals(1, generated.get());
    assertEquals(first, new ClassCache(dir, Optional.empty()).sourceDigest("x", source));
    assertEquals(2, generated.get());
    assertTrue(first.matches("[0-9a-f]{64}"), first);
  }

  @Test
  void anUnwritableCacheStillCompiles() throws Exception {
    Path file = dir.resolve("not-a-directory");
    Files.writeString(file, "x");
    ClassCache cache = new ClassCache(file);
    assertEquals(1, predict(cache.compile(xor())).length);
    assertEquals(1, predict(cache.compile(xor())).length);
    assertEquals(0, cache.hits());
  }
}
