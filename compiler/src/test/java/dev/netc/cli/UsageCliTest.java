package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user who mistypes gets: command suggestions, the CSV header hint, {@code dot --svg}. */
class UsageCliTest {
  private static final Path XOR = Path.of("..", "examples", "xor.net");
  private static final Path XOR_DATA = Path.of("..", "examples", "xor.csv");

  @TempDir Path dir;

  @Test
  void aMistypedCommandIsNamedWithTheClosestCommand() {
    String[][] cases = {
      {"trian", "train"}, {"evaluate", "eval"}, {"chek", "check"}, {"gen", "generate"},
      {"dto", "dot"}, {"gradient", "grad"}, {"Train", "train"}
    };
    for (String[] c : cases) {
      CliRunner r = CliRunner.run(c[0], "model.net", "--params", "w.safetensors");
      assertEquals(2, r.exitCode(), r::toString);
      assertTrue(r.err().startsWith("netc: error: unknown command '" + c[0] + "'; did you mean '"
          + c[1] + "'? (commands: generate, check, "), r::toString);
      assertEquals(1, r.err().lines().count(), r::toString);
      assertEquals("", r.out(), r::toString);
    }
  }

  /**
   * A usage error says what is wrong first, in netc's style, then the command's synopsis and
   * where its options are described: not the whole help (90 lines for {@code train}).
   */
  @Test
  void aUsageErrorIsOneLineThenTheSynopsis() {
    CliRunner r = CliRunner.run("train", XOR.toString(), "--data", XOR_DATA.toString(),
        "--epochs", "0", "--out", "w.safetensors");
    assertEquals(2, r.exitCode(), r::toString);
    List<String> lines = r.err().lines().toList();
    assertEquals("netc: error: --epochs must be at least 1, not 0", lines.get(0), r::toString);
    assertTrue(lines.get(1).startsWith("Usage: netc train "), r::toString);
    assertEquals("Run 'netc train --help' for its options.", lines.get(lines.size() - 1),
        r::toString);
    assertTrue(lines.size() < 20, r::toString);
    assertEquals("", r.out(), r::toString);
    // A mistyped option: picocli's suggestion after the error.
    CliRunner typo = CliRunner.run("train", XOR.toString(), "--data", XOR_DATA.toString(),
        "--epoch", "3", "--out", "w.safetensors");
    assertEquals(2, typo.exitCode(), typo::toString);
    assertTrue(typo.err().startsWith("netc: error: Unknown option"), typo::toString);
    assertTrue(typo.err().contains("Possible solutions: --epochs"), typo::toString);
    // Without a command the usage lists the commands.
    CliRunner none = CliRunner.run();
    assertEquals(2, none.exitCode(), none::toString);
    assertTrue(none.err().startsWith("netc: error: missing MODEL.net or a command"),
        none::toString);
    assertTrue(none.err().contains("train"), none::toString);
  }

  @Test
  void modelFilesAndUnrelatedWordsAreStillReadAsModels() throws IOException {
    CliRunner ok = CliRunner.run(XOR.toString(), "-o", dir.resolve("gen").toString());
    assertEquals(0, ok.exitCode(), ok::toString);
    CliRunner missing = CliRunner.run("trian.net");
    assertEquals(1, missing.exitCode(), missing::toString);
    assertTrue(missing.err().contains("cannot read 'trian.net': no such file"), missing::toString);
    CliRunner pathLike = CliRunner.run("models/train.onnx");
    assertEquals(1, pathLike.exitCode(), pathLike::toString);
    assertTrue(pathLike.err().contains("cannot read 'models/train.onnx'"), pathLike::toString);
    CliRunner unrelated = CliRunner.run("mymodel");
    assertEquals(1, unrelated.exitCode(), unrelated::toString);
    assertTrue(unrelated.err().contains("cannot read 'mymodel': no such file"),
        unrelated::toString);
  }

  @Test
  void aCsvHeaderRowGetsAHintAndHeaderSkipsIt() throws IOException {
    Path data = dir.resolve("xor.csv");
    Files.writeString(data, "x1,x2,y\n" + Files.readString(XOR_DATA));
    String[] train = {"train", XOR.toString(), "--data", data.toString(), "--epochs", "1",
        "--batch", "2", "--interpret", "--out", dir.resolve("w.safetensors").toString()};
    CliRunner r = CliRunner.run(train);
    assertEquals(1, r.exitCode(), r::toString);
    assertEquals("netc: error: " + data + ":1: field 1: 'x1' is not a number; is line 1 a header? "
        + "skip it with --header (CsvLayout.withHeader in code)", r.err().strip());
    String[] withHeader = java.util.Arrays.copyOf(train, train.length + 1);
    withHeader[train.length] = "--header";
    CliRunner fixed = CliRunner.run(withHeader);
    assertEquals(0, fixed.exitCode(), fixed::toString);
  }

  @Test
  void dotWithSvgWritesOnlyTheSvg() throws IOException, InterruptedException {
    CliRunner help = CliRunner.run("dot", "--help");
    assertTrue(help.out().contains("instead of printing"), help::toString);
    Assumptions.assumeTrue(graphvizInstalled(), "Graphviz 'dot' is not installed");
    Path svg = dir.resolve("xor.svg");
    CliRunner r = CliRunner.run("dot", XOR.toString(), "--svg", svg.toString());
    assertEquals(0, r.exitCode(), r::toString);
    assertEquals("wrote " + svg + System.lineSeparator(), r.out(), r::toString);
    assertTrue(Files.readString(svg).contains("<svg"), "not an SVG");
  }

  private static boolean graphvizInstalled() throws InterruptedException {
    try {
      Process p = new ProcessBuilder("dot", "-V").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    }
  }
}
