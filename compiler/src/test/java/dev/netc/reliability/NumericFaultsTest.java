package dev.netc.reliability;

import dev.netc.cli.CliRunner;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.io.Safetensors;
import dev.netc.runtime.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training that blows up (NaN or infinite loss or parameters) stops {@code netc train} with a
 * message naming the epoch (and step), on generated code and on the interpreter, and leaves the
 * last good weights file exactly as it was, with no temporary file beside it.
 */
class NumericFaultsTest {
  private static final String REGRESSION = """
      network Hot {
        input 2
        dense 8 tanh as hidden
        dense 1 identity as out
        loss mse
        optimizer sgd(lr = 0.01)
        init xavier(seed = 3)
        precision PRECISION
      }
      """;
  private static final String DATA = "1,2,3\n4,5,6\n-7,8,-9\n0.5,-0.5,1\n";

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  /** Trains once with a sane lr to get the last good weights, then with lr = 1e6. */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"float, generated", "float, interpreter", "double, generated",
      "double, interpreter"})
  void aHugeLearningRateIsStoppedAndTheLastGoodWeightsSurvive(String precision, String backend)
      throws IOException {
    Path good = write("good.net", REGRESSION.replace("PRECISION", precision));
    Path hot = write("hot.net", REGRESSION.replace("PRECISION", precision)
        .replace("lr = 0.01", "lr = 1e6"));
    Path data = write("d.csv", DATA);
    Path weights = dir.resolve("w.safetensors");
    String interpret = backend.equals("interpreter") ? "--interpret" : "--no-shuffle";
    CliRunner first = CliRunner.run("train", good.toString(), "--data", data.toString(), "--epochs", "2",
        "--batch", "2", "--out", weights.toString(), interpret);
    assertEquals(0, first.exitCode(), first::toString);
    byte[] lastGood = Files.readAllBytes(weights);
    byte[] lastPlot = Files.readAllBytes(dir.resolve("w.svg"));

    CliRunner r = CliRunner.run("train", hot.toString(), "--data", data.toString(), "--epochs", "50",
        "--batch", "1", "--params-in", weights.toString(), "--out", weights.toString(),
        interpret);
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().matches("(?s)netc: error: training diverged in epoch \\d+, step \\d+ of 4: "
        + "the loss is (NaN|Infinity|-Infinity); nothing was written.*"), r::toString);
    assertArrayEquals(lastGood, Files.readAllBytes(weights), "weights file changed");
    assertArrayEquals(lastPlot, Files.readAllBytes(dir.resolve("w.svg")), "plot changed");
    assertEquals(List.of("d.csv", "good.net", "hot.net", "w.safetensors", "w.svg"), files(),
        "no temporary file is left");
  }

  /**
   * The loss can stay finite while a weight overflows: one SGD step drives the weight of a ReLU
   * unit to -Infinity, which kills the unit, so the next loss is finite again. Saving would write
   * a file that no loader accepts; netc must refuse instead and keep the previous file.
   */
  @ParameterizedTest
  @ValueSource(strings = {"--no-shuffle", "--interpret"})
  void aWeightThatOverflowsWhileTheLossStaysFiniteIsCaught(String backend) throws IOException {
    Path model = write("dead.net", """
        network Dead {
          input 1
          dense 1 relu as h
          dense 1 identity as out
          loss mse
          optimizer sgd(lr = 1e10)
        }
        """);
    Path data = write("d.csv", "1e20,-1\n");
    Map<String, Tensor> start = new LinkedHashMap<>();
    start.put("h.weight", Tensor.ofFloats(new int[] {1, 1}, new float[] {1e-30f}));
    start.put("h.bias", Tensor.ofFloats(new int[] {1}, new float[] {0}));
    start.put("out.weight", Tensor.ofFloats(new int[] {1, 1}, new float[] {1e10f}));
    start.put("out.bias", Tensor.ofFloats(new int[] {1}, new float[] {0}));
    Path weights = dir.resolve("w.safetensors");
    Safetensors.write(weights, start);
    byte[] before = Files.readAllBytes(weights);

    CliRunner r = CliRunner.run("train", model.toString(), "--data", data.toString(), "--epochs", "1",
        "--batch", "1", "--params-in", weights.toString(), "--out", weights.toString(), backend);
    assertEquals(1, r.exitCode(), r::toString);
    assertEquals("netc: error: training diverged in epoch 1: parameter 'h.weight' [0, 0] is "
        + "-Infinity although the loss is finite; nothing was written (a smaller lr than 1.0E10 "
        + "may help)", r.err().strip());
    assertArrayEquals(before, Files.readAllBytes(weights));
    assertEquals(List.of("d.csv", "dead.net", "w.safetensors"), files());
  }

  private List<String> files() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
