package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.ir.Network;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CLI on a small CNN: CSV and IDX data feed an image input, and grad, train, eval, check,
 * generate and dot work, with the generated class and with the interpreter.
 */
class CnnCliTest {
  // Tells apart 6x6 images that are bright on the left from those bright on the right.
  private static final String SIDES = """
      network Sides {
        input 1x6x6
        conv2d 4 3x3 (padding = same) relu as conv1
        maxpool 2x2
        flatten
        dense 2 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.05, momentum = 0.9)
        init (seed = 3)
      }
      """;

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  /** Rows of 36 pixels in C, H, W order, then the class: 1 if the right half is brighter. */
  private static String sidesCsv(int rows, long seed) {
    Random rnd = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < rows; r++) {
      int label = rnd.nextInt(2);
      for (int y = 0; y < 6; y++) {
        for (int x = 0; x < 6; x++) {
          boolean bright = (x >= 3) == (label == 1);
          sb.append(String.format(java.util.Locale.ROOT, "%.3f,",
              (bright ? 0.8 : 0.1) + 0.1 * rnd.nextDouble()));
        }
      }
      sb.append(label).append('\n');
    }
    return sb.toString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"--interpret", "--backend=scalar"})
  void trainEvalGradAndCheckRun(String engine) throws IOException {
    Path model = write("sides.net", SIDES);
    Path train = write("train.csv", sidesCsv(200, 1));
    Path test = write("test.csv", sidesCsv(100, 2));
    Path weights = dir.resolve("w.safetensors");
    CliRunner t = CliRunner.run("train", model.toString(), engine, "--data",
        train.toString(), "--test", test.toString(), "--epochs", "5", "--batch", "8", "--out",
        weights.toString());
    assertEquals(0, t.exitCode(), t::toString);
    CliRunner e = CliRunner.run("eval", model.toString(), engine, "--params",
        weights.toString(), "--data", test.toString());
    assertEquals(0, e.exitCode(), e::toString);
    double accuracy = Double.parseDouble(e.out().replaceAll("(?s).*accuracy +([0-9.]+)%.*",
        "$1"));
    assertTrue(accuracy >= 95, e::toString);

    Path grads = dir.resolve("g.safetensors");
    CliRunner g = CliRunner.run("grad", model.toString(), engine, "--params",
        weights.toString(), "--data", test.toString(), "--out", grads.toString());
    assertEquals(0, g.exitCode(), g::toString);
    assertTrue(Files.size(grads) > 0);

    CliRunner c = CliRunner.run("check", model.toString(), engine);
    assertEquals(0, c.exitCode(), c::toString);
    assertTrue(c.out().contains("conv1.weight") && c.out().contains("[4, 1, 3, 3]"), c::toString);
    assertTrue(c.out().contains("ok (tolerances"), c::toString);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--interpret", "--backend=scalar"})
  void threadsTrainACnn(String engine) throws IOException {
    Path model = write("sides.net", SIDES);
    Path train = write("train.csv", sidesCsv(64, 3));
    CliRunner t = CliRunner.run("train", model.toString(), engine, "--data",
        train.toString(), "--epochs", "2", "--batch", "16", "--threads", "2", "--out",
        dir.resolve("w.safetensors").toString());
    assertEquals(0, t.exitCode(), t::toString);
  }

  @Test
  void idxImagesFeedAnImageInput() throws IOException {
    Path model = write("sides.net", SIDES);
    Random rnd = new Random(4);
    int n = 20;
    byte[] pixels = new byte[n * 36];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) rnd.nextInt(2);
      for (int p = 0; p < 36; p++) {
        pixels[i * 36 + p] = (byte) rnd.nextInt(256);
      }
    }
    Path images = dir.resolve("t-images-idx3-ubyte");
    writeIdx(images, 0x803, new int[] {n, 6, 6}, pixels);
    writeIdx(dir.resolve("t-labels-idx1-ubyte"), 0x801, new int[] {n}, labels);
    CliRunner g = CliRunner.run("grad", model.toString(), "--interpret", "--data",
        images.toString(), "--out", dir.resolve("g.safetensors").toString());
    assertEquals(0, g.exitCode(), g::toString);
  }

  @Test
  void generateWritesTheCnnsClass() throws IOException {
    Path model = write("sides.net", SIDES);
    Path src = dir.resolve("src");
    CliRunner r = CliRunner.run("generate", model.toString(), "-o", src.toString());
    assertEquals(0, r.exitCode(), r::toString);
    try (var files = Files.walk(src)) {
      Path java = files.filter(p -> p.getFileName().toString().equals("Sides.java")).findFirst()
          .orElseThrow();
      String text = Files.readString(java);
      assertTrue(text.contains("im2col and GEMM rows") && text.contains("int[] arg"), text);
    }
  }

  @Test
  void dotShowsEveryLayersOutputShape() throws IOException {
    CliRunner r = CliRunner.run("dot", write("sides.net", SIDES).toString());
    assertEquals(0, r.exitCode(), r::toString);
    assertTrue(r.out().contains("input\\n1x6x6"), r::toString);
    assertTrue(r.out().contains("out 4x6x6"), r::toString);
    assertTrue(r.out().contains("out 4x3x3"), r::toString);
    assertTrue(r.out().contains("out 36"), r::toString);
    assertTrue(r.out().contains("weight [4 x 1 x 3 x 3], bias [4]"), r::toString);
  }

  @Test
  void theExampleCnnsAreIssue14sNetworks() throws IOException {
    // The parameter counts of PyTorch's modules (benchmarks/peers/torch_peer.py).
    assertEquals(206922, example("fashion-cnn.net").parameterCount());
    assertEquals(44426, example("lenet5.net").parameterCount());
  }

  private static Network example(String name) throws IOException {
    FrontendResult r = Frontend.compile(name,
        Files.readString(Path.of("..", "examples", name)));
    assertEquals(1, r.networks().size(), r.renderDiagnostics());
    return r.networks().get(0);
  }

  private static void writeIdx(Path file, int magic, int[] dims, byte[] data) throws IOException {
    try (OutputStream os = Files.newOutputStream(file);
        DataOutputStream out = new DataOutputStream(os)) {
      out.writeInt(magic);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(data);
    }
  }
}
