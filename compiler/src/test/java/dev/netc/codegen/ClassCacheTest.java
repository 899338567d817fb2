package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.palantir.javapoet.JavaFile;
import dev.netc.runtime.FloatNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
