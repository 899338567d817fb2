package dev.netc.maven;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin run whose output cannot be written part-way (a folder stands where a generated source
 * must go; tests run as root, so permissions cannot make the failure) fails the build with the
 * I/O error, leaves no half-written or temporary file, keeps the previous build state, and the
 * next run after the obstacle is gone generates everything.
 */
class FailedWriteTest {
  @TempDir Path tmp;

  private IncrementalGenerator.Outcome run(Path src, Path out) throws IOException {
    return new IncrementalGenerator(new NetcCompiler(), "test").run(new IncrementalGenerator
        .Request(src, out, tmp.resolve("state/generate.state"), Optional.empty()));
  }

  @Test
  void aBlockedOutputLeavesCompleteFilesAndARetryableState() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("src/main/netc/com/acme"));
    Path out = tmp.resolve("generated");
    Files.writeString(src.resolve("a.net"), "network A { input 2 dense 1 sigmoid }");
    Files.writeString(src.resolve("b.net"), "network B { input 2 dense 1 sigmoid }");
    run(tmp.resolve("src/main/netc"), out);
    Path a = out.resolve("com/acme/A.java");
    Path b = out.resolve("com/acme/B.java");
    byte[] oldA = Files.readAllBytes(a);
    byte[] state = Files.readAllBytes(tmp.resolve("state/generate.state"));

    Files.writeString(src.resolve("a.net"), "network A { input 3 dense 1 sigmoid }");
    Files.writeString(src.resolve("b.net"), "network B { input 3 dense 1 sigmoid }");
    Files.delete(b);
    Files.createDirectories(b.resolve("obstacle"));
    assertThrows(IOException.class, () -> run(tmp.resolve("src/main/netc"), out));
    String newA = Files.readString(a);
    assertTrue(newA.contains("INPUT_SIZE = 3") || newA.equals(new String(oldA)),
        "A.java is half-written");
    assertEquals(List.of(a.toString(), b.toString()), files(out.resolve("com/acme")));
    assertArrayEquals(state, Files.readAllBytes(tmp.resolve("state/generate.state")),
        "the build state must not claim the failed outputs");

    Files.delete(b.resolve("obstacle"));
    Files.delete(b);
    IncrementalGenerator.Outcome retry = run(tmp.resolve("src/main/netc"), out);
    assertEquals(2, retry.compiled());
    assertTrue(Files.readString(b).contains("INPUT_SIZE = 3"));
    assertTrue(Files.readString(a).contains("INPUT_SIZE = 3"));
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(Path::toString).sorted().toList();
    }
  }
}
