package dev.netc.reliability;

import dev.netc.cli.CliRunner;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes that fail part-way leave every previous output as it was and no temporary file behind.
 * Tests run as root in CI, where file permissions are not enforced, so the failures are made with
 * paths that cannot be written by anyone (a folder in place of a file, a file in place of a
 * folder) and with content that throws half-way.
 */
class SafeOutputTest {
  private static final String TWO = """
      network Alpha { input 2 dense 2 tanh dense 1 sigmoid loss binary_cross_entropy }
      network Beta { input 3 dense 1 identity loss mse }
      """;

  @TempDir Path dir;

  @Test
  void contentThatFailsHalfWayLeavesTheOldFile() throws IOException {
    Path target = dir.resolve("w.bin");
    Files.write(target, new byte[] {1, 2, 3});
    List<RuntimeException> failures = List.of(new IllegalStateException("bug half-way"),
        new UncheckedIOException(new IOException("disk full")));
    for (RuntimeException failure : failures) {
      RuntimeException e = assertThrows(RuntimeException.class, () -> AtomicFile.write(target,
          out -> {
            out.write(new byte[200_000]);
            throw failure;
          }));
      assertEquals(failure, e);
    }
    assertThrows(OutOfMemoryError.class, () -> AtomicFile.write(target, out -> {
      out.write(new byte[70_000]);
      throw new OutOfMemoryError("simulated");
    }));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    assertEquals(List.of("w.bin"), names(dir));
  }

  /**
   * The second of two sources cannot be renamed into place (a non-empty folder has its name):
   * exit 1 naming it, the first is complete (old or new, never partial), no temporary files.
   */
  @Test
  void generateThatFailsOnTheSecondFileLeavesNoPartialOutput() throws IOException {
    Path model = dir.resolve("two.net");
    Files.writeString(model, TWO);
    Path out = dir.resolve("src");
    CliRunner first = CliRunner.run(model.toString(), "-o", out.toString(), "-p", "p");
    assertEquals(0, first.exitCode(), first::toString);
    Path alpha = out.resolve("p/Alpha.java");
    byte[] oldAlpha = Files.readAllBytes(alpha);
    Path beta = out.resolve("p/Beta.java");
    Files.delete(beta);
    Files.createDirectories(beta.resolve("keep"));

    Files.writeString(model, TWO.replace("dense 2 tanh", "dense 3 tanh"));
    CliRunner r = CliRunner.run(model.toString(), "-o", out.toString(), "-p", "p");
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().startsWith("netc: error: cannot write '" + beta + "': "), r::toString);
    assertEquals(1, r.err().strip().lines().count(), r::toString);
    byte[] newAlpha = Files.readAllBytes(alpha);
    assertTrue(new String(newAlpha, StandardCharsets.UTF_8).contains("dense 2 &rarr; 3")
        || java.util.Arrays.equals(oldAlpha, newAlpha), "Alpha.java is partial");
    assertEquals(List.of("Alpha.java", "Beta.java"), names(out.resolve("p")));
    assertEquals(List.of("keep"), names(beta));
  }

  /** The output folder is a regular file: nothing is written, the file is untouched. */
  @Test
  void generateIntoAFileInsteadOfAFolderFailsCleanly() throws IOException {
    Path model = dir.resolve("two.net");
    Files.writeString(model, TWO);
    Path notADir = dir.resolve("src");
    Files.writeString(notADir, "precious");
    CliRunner r = CliRunner.run(model.toString(), "-o", notADir.toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().startsWith("netc: error: cannot write '" + notADir.resolve("Alpha.java")
        + "'"), r::toString);
    assertEquals("precious", Files.readString(notADir));
    assertEquals(List.of("src", "two.net"), names(dir));
  }

  /**
   * train checks both output folders before writing either file, and names the one that failed;
   * the previous weights survive.
   */
  @Test
  void trainWithAnUnwritablePlotKeepsThePreviousWeights() throws IOException {
    Path model = dir.resolve("lin.net");
    Files.writeString(model, "network Lin { input 2 dense 1 identity loss mse "
        + "optimizer sgd(lr = 0.01) }");
    Path data = dir.resolve("d.csv");
    Files.writeString(data, "1,2,3\n4,5,6\n");
    Path weights = dir.resolve("w.safetensors");
    Files.writeString(weights, "previous");
    Path blocker = dir.resolve("plots");
    Files.writeString(blocker, "a file, not a folder");
    Path plot = blocker.resolve("w.svg");
    CliRunner r = CliRunner.run("train", model.toString(), "--data", data.toString(), "--epochs", "1",
        "--out", weights.toString(), "--plot", plot.toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().startsWith("netc: error: cannot write '" + plot + "'"), r::toString);
    assertEquals("previous", Files.readString(weights));
    assertEquals(List.of("d.csv", "lin.net", "plots", "w.safetensors"), names(dir));

    Path outBlocked = blocker.resolve("w.safetensors");
    r = CliRunner.run("train", model.toString(), "--data", data.toString(), "--epochs", "1",
        "--out", outBlocked.toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().startsWith("netc: error: cannot write '" + outBlocked + "'"),
        r::toString);
    assertEquals(List.of("d.csv", "lin.net", "plots", "w.safetensors"), names(dir));
  }

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
