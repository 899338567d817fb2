package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netc generate} of a file with several networks writes all of them or none. */
class GenerateAllOrNoneTest {
  private static final String TWO = """
      network A {
        input 2
        dense 1 sigmoid
      }
      network B {
        input 3
        dense 2 identity
      }
      """;

  @TempDir Path dir;

  @Test
  void oneUnwritableSourceLeavesEveryFileAsItWas() throws IOException {
    Path model = Files.writeString(dir.resolve("two.net"), TWO);
    Path out = dir.resolve("src");
    Files.createDirectories(out.resolve("B.java"));
    Files.writeString(out.resolve("A.java"), "old");
    CliRunner r = CliRunner.run("generate", model.toString(), "-o", out.toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertEquals("netc: error: cannot write '" + out.resolve("B.java") + "': it is a directory\n",
        r.err(), r::toString);
    assertEquals("old", Files.readString(out.resolve("A.java")));
    Files.delete(out.resolve("B.java"));
    assertEquals(0, CliRunner.run("generate", model.toString(), "-o", out.toString())
        .exitCode());
    assertTrue(Files.readString(out.resolve("A.java")).contains("class A"));
    assertTrue(Files.readString(out.resolve("B.java")).contains("class B"));
  }
}
