package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netc predict}: one CSV row of outputs per example, to stdout or a file. */
class PredictCliTest {
  private static final String BLOBS = """
      network Blobs {
        input 2
        dense 4 tanh
        dense 3 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.1)
        init xavier(seed = 9)
      }
      """;

  private static final String PLAIN = """
      network Plain {
        input 2
        dense 2 identity
        precision double
      }
      """;

  @TempDir Path dir;

  /** Weights of the seeded initialization, written by a one-step training run's --params-in. */
  private Path weights(String source, String name) throws IOException {
    Network net = Frontend.compile(name + ".net", source).networks().get(0);
    Path file = dir.resolve(name + ".safetensors");
    dev.netc.runtime.io.Weights.save(file, new Interpreter(net));
    return file;
  }

  @Test
  void softmaxRowsStartWithTheClassAndMatchTheInterpreter() throws IOException {
    Path model = Files.writeString(dir.resolve("blobs.net"), BLOBS);
    Path params = weights(BLOBS, "blobs");
    Path data = Files.writeString(dir.resolve("d.csv"), "0.5,-1,2\n1,1,0\n-2,0.25,1\n");
    Path out = dir.resolve("sub/p.csv");
    CliRunner r = CliRunner.run("predict", model.toString(), "--params", params.toString(),
        "--data", data.toString(), "-o", out.toString(), "--interpret");
    assertEquals(0, r.exitCode(), r::toString);
    assertEquals("", r.out());
    List<String> rows = Files.readAllLines(out);
    assertEquals(3, rows.size());
    Interpreter in = new Interpreter(Frontend.compile("b.net", BLOBS).networks().get(0));
    double[][] xs = {{0.5, -1}, {1, 1}, {-2, 0.25}};
    for (int i = 0; i < 3; i++) {
      String[] f = rows.get(i).split(",");
      assertEquals(4, f.length, rows.get(i));
      double[] p = new double[3];
      in.predict(xs[i], p);
      int best = 0;
      for (int j = 0; j < 3; j++) {
        assertEquals((float) p[j], Float.parseFloat(f[j + 1]), rows.get(i));
        best = p[j] > p[best] ? j : best;
      }
      assertEquals(best, Integer.parseInt(f[0]));
    }
    CliRunner stdout = CliRunner.run("predict", model.toString(), "--params",
        params.toString(), "--data", data.toString(), "--backend", "scalar");
    assertEquals(0, stdout.exitCode(), stdout::toString);
    assertEquals(Files.readString(out), stdout.out());
  }

  @Test
  void aNetworkWithoutLossPredictsFromInputOnlyRows() throws IOException {
    Path model = Files.writeString(dir.resolve("plain.net"), PLAIN);
    Path params = weights(PLAIN, "plain");
    Path data = Files.writeString(dir.resolve("d.csv"), "x0,x1\n1,2\n3,4\n");
    CliRunner r = CliRunner.run("predict", model.toString(), "--params", params.toString(),
        "--data", data.toString(), "--header", "--interpret");
    assertEquals(0, r.exitCode(), r::toString);
    List<String> rows = r.out().lines().toList();
    assertEquals(2, rows.size(), r::toString);
    assertEquals(2, rows.get(0).split(",").length);
    assertTrue(rows.get(1).matches("-?[0-9.E-]+,-?[0-9.E-]+"), rows.get(1));
  }

  @Test
  void badInputIsOneLineAndWritesNothing() throws IOException {
    Path model = Files.writeString(dir.resolve("blobs.net"), BLOBS);
    Path params = weights(BLOBS, "blobs");
    Path data = Files.writeString(dir.resolve("d.csv"), "1,2\n1,oops\n");
    Path out = dir.resolve("p.csv");
    CliRunner r = CliRunner.run("predict", model.toString(), "--params", params.toString(),
        "--data", data.toString(), "-o", out.toString(), "--interpret");
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().startsWith("netc: error: "), r::toString);
    assertEquals(1, r.err().lines().count(), r::toString);
    assertTrue(Files.notExists(out));
  }
}
