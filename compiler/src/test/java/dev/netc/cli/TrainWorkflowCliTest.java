package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netc train}'s workflow options end to end: validation, early stopping, schedules,
 * checkpoints and resume, output checks before training, usage errors, quiet and log output.
 */
class TrainWorkflowCliTest {
  private static final String BLOBS = """
      network Blobs {
        input 2
        dense 8 relu
        dense 3 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.05, momentum = 0.9)
        init he(seed = 3)
      }
      """;

  @TempDir Path dir;

  private Path model() throws IOException {
    return Files.writeString(dir.resolve("blobs.net"), BLOBS);
  }

  /** Three Gaussian blobs, class index last. */
  private Path blobs(String name, int rows, long seed) throws IOException {
    Random rnd = new Random(seed);
    double[][] centres = {{0, 0}, {2, 2}, {0, 3}};
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      int c = rnd.nextInt(3);
      sb.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%d%n",
          centres[c][0] + rnd.nextGaussian() * 0.7, centres[c][1] + rnd.nextGaussian() * 0.7, c));
    }
    return Files.writeString(dir.resolve(name), sb.toString());
  }

  private CliRunner train(String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("train", model().toString(), "--data",
        blobs("train.csv", 120, 1).toString(), "--batch", "16", "--backend", "scalar"));
    all.addAll(List.of(args));
    return CliRunner.run(all.toArray(String[]::new));
  }

  private static void assertExit(int expected, CliRunner r) {
    assertEquals(expected, r.exitCode(), r::toString);
  }

  @Test
  void resumingACheckpointGivesTheBytesOfAnUninterruptedRun() throws IOException {
    for (String engine : new String[] {"--no-warm-up", "--interpret"}) {
      String schedule = "step(every = 1, gamma = 0.7)";
      Path whole = dir.resolve("whole" + engine + ".safetensors");
      Path resumed = dir.resolve("resumed" + engine + ".safetensors");
      Path ck = dir.resolve("ck" + engine);
      assertExit(0, train("--epochs", "4", "--out", whole.toString(), "--lr-schedule", schedule,
          "--validation", "0.25", engine));
      assertExit(0, train("--epochs", "2", "--out", dir.resolve("half.safetensors").toString(),
          "--checkpoint", ck.toString(), "--lr-schedule", schedule, "--validation", "0.25",
          engine));
      assertTrue(Files.exists(ck.resolve("checkpoint.safetensors")));
      CliRunner r = train("--epochs", "4", "--out", resumed.toString(), "--resume",
          ck.toString(), "--lr-schedule", schedule, "--validation", "0.25", engine);
      assertExit(0, r);
      assertFalse(r.out().contains("epoch 2/4"), r::toString);
      assertTrue(r.out().contains("epoch 4/4"), r::toString);
      assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(resumed), engine);
    }
  }

  @Test
  void validationIsReportedEveryEpochAndEarlyStoppingKeepsTheBestWeights() throws IOException {
    Path val = blobs("val.csv", 60, 2);
    CliRunner r = train("--epochs", "200", "--validation-data", val.toString(),
        "--early-stopping", "2", "--out", dir.resolve("w.safetensors").toString());
    assertExit(0, r);
    assertTrue(r.out().contains("(60 for validation)"), r::toString);
    assertTrue(r.out().matches("(?s).*epoch +\\d+/200  loss \\S+  val loss \\S+  val acc .*"),
        r::toString);
    assertTrue(r.out().contains("early stopping: no lower validation loss in 2 epochs; kept the "
        + "weights of epoch "), r::toString);
    assertTrue(r.out().contains("final: validation loss"), r::toString);
  }

  @Test
  void usageErrorsExitWithTwoBeforeAnything() throws IOException {
    String out = dir.resolve("w.safetensors").toString();
    String[][] bad = {
        {"--batch", "0"}, {"--epochs", "-1"}, {"--threads", "0"}, {"--batch", "abc"},
        {"--validation", "1.5"}, {"--early-stopping", "3"},
        {"--validation", "0.1", "--validation-data", "x.csv"},
        {"--lr-schedule", "linear"}, {"--resume", "d", "--params-in", "p.safetensors"},
    };
    for (String[] args : bad) {
      List<String> all = new ArrayList<>(List.of(args));
      all.addAll(List.of("--out", out));
      CliRunner r = train(all.toArray(String[]::new));
      assertExit(2, r);
      assertTrue(r.err().contains("Usage: netc train"), r::toString);
      assertEquals("", r.out(), r::toString);
    }
  }

  @Test
  void everyOutputIsCheckedBeforeTheFirstStep() throws IOException {
    Files.writeString(dir.resolve("afile"), "x");
    String[][] outputs = {
        {"--out", "afile/w.safetensors"},
        {"--out", "w.safetensors", "--plot", "afile/p.svg"},
        {"--out", "w.safetensors", "--checkpoint", "afile/ck"},
    };
    for (String[] o : outputs) {
      List<String> all = new ArrayList<>(List.of("--epochs", "3"));
      for (String s : o) {
        all.add(s.contains("afile") || s.endsWith(".safetensors") ? dir.resolve(s).toString()
            : s);
      }
      CliRunner r = train(all.toArray(String[]::new));
      assertExit(1, r);
      String bad = dir.resolve(o[o.length - 1]).toString();
      assertEquals("netc: error: cannot write '" + bad + "': '" + dir.resolve("afile")
          + "' is not a directory\n", r.err(), r::toString);
      assertFalse(r.out().contains("epoch"), r::toString);
    }
    assertFalse(Files.exists(dir.resolve("w.safetensors")));
    // Missing parent directories are created, as the help says.
    assertExit(0, train("--epochs", "1", "--out", dir.resolve("a/b/w.safetensors").toString()));
    assertTrue(Files.exists(dir.resolve("a/b/w.svg")));
  }

  @Test
  void quietPrintsNothingAndLogsGetASummaryOfManyEpochs() throws IOException {
    CliRunner quiet = train("--epochs", "3", "-q", "--out", dir.resolve("q.safetensors")
        .toString());
    assertExit(0, quiet);
    assertEquals("", quiet.out());
    CliRunner log = train("--epochs", "300", "--out", dir.resolve("l.safetensors").toString(),
        "--no-warm-up");
    assertExit(0, log);
    long lines = log.out().lines().filter(l -> l.startsWith("epoch")).count();
    assertEquals(20, lines, log::toString);
    assertTrue(log.out().contains("epoch 300/300"), log::toString);
    assertTrue(log.out().contains("epoch  15/300"), log::toString);
  }

  @Test
  void thePlotShowsLossesAndAccuracyWithRoundTicksAndEpochLabels() throws IOException {
    Path test = blobs("test.csv", 30, 3);
    assertExit(0, train("--epochs", "12", "--validation", "0.2", "--test", test.toString(),
        "--out", dir.resolve("p.safetensors").toString()));
    String svg = Files.readString(dir.resolve("p.svg"));
    for (String label : new String[] {"train loss", "validation loss", "test loss",
        "validation accuracy", "test accuracy", ">100%<", ">epoch<", ">12<", ">10<", ">1<"}) {
      assertTrue(svg.contains(label), label + " in " + svg);
    }
    assertEquals(5, svg.split("<polyline").length - 1, svg);
  }

  @Test
  void aDivergingRunWithCheckpointsSaysWhereTheLastGoodEpochIs() throws IOException {
    String big = BLOBS.replace("lr = 0.05", "lr = 1e30");
    Path model = Files.writeString(dir.resolve("big.net"), big);
    Path ck = dir.resolve("ck");
    CliRunner r = CliRunner.run("train", model.toString(), "--data",
        blobs("d.csv", 50, 1).toString(), "--epochs", "5", "--checkpoint", ck.toString(),
        "--out", dir.resolve("w.safetensors").toString());
    assertExit(1, r);
    assertTrue(r.err().startsWith("netc: error: training diverged in epoch "), r::toString);
    assertFalse(Files.exists(dir.resolve("w.safetensors")));
  }
}
