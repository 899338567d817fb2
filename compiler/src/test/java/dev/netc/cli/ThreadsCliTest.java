package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.ir.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netc train --threads}: parallel training through the real entry point. */
class ThreadsCliTest {
  private static final String BLOBS = """
      network Blobs {
        input 2
        dense 8 relu
        dense 3 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.1, momentum = 0.9)
      }
      """;

  @TempDir Path dir;

  private Path blobs() throws IOException {
    StringBuilder csv = new StringBuilder();
    Random rnd = new Random(3);
    double[][] centres = {{0, 3}, {3, -2}, {-3, -2}};
    for (int i = 0; i < 300; i++) {
      int c = i % 3;
      csv.append(centres[c][0] + rnd.nextGaussian() * 0.5).append(',')
          .append(centres[c][1] + rnd.nextGaussian() * 0.5).append(',').append(c).append('\n');
    }
    return Files.writeString(dir.resolve("blobs.csv"), csv.toString());
  }

  private CliRunner train(Path model, Path data, String threads, String out, String... more) {
    return trainEpochs(model, data, "8", threads, out, more);
  }

  private CliRunner trainEpochs(Path model, Path data, String epochs, String threads, String out,
      String... more) {
    String[] base = {"train", model.toString(), "--data", data.toString(), "--test",
        data.toString(), "--epochs", epochs, "--batch", "15", "--threads", threads, "--out",
        dir.resolve(out).toString()};
    String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return CliRunner.run(args);
  }

  @Test
  void twoThreadsTrainDeterministicallyOnBothBackends() throws IOException {
    Path model = Files.writeString(dir.resolve("blobs.net"), BLOBS);
    Path data = blobs();
    for (String backend : new String[] {"generated", "interpreter"}) {
      String[] extra = backend.equals("generated") ? new String[0] : new String[] {"--interpret"};
      CliRunner first = train(model, data, "2", backend + "1.safetensors", extra);
      assertEquals(0, first.exitCode(), first::toString);
      assertTrue(first.out().contains(", 2 threads"), first::toString);
      assertTrue(first.out().contains("samples/s"), first::toString);
      double accuracy = Double.parseDouble(
          first.out().replaceAll("(?s).*accuracy ([0-9.]+)%.*", "$1"));
      assertTrue(accuracy > 95, first::toString);
      CliRunner second = train(model, data, "2", backend + "2.safetensors", extra);
      assertEquals(0, second.exitCode(), second::toString);
      assertArrayEquals(Files.readAllBytes(dir.resolve(backend + "1.safetensors")),
          Files.readAllBytes(dir.resolve(backend + "2.safetensors")), backend);
    }
    // one thread is the plain path, and says so
    CliRunner one = train(model, data, "1", "one.safetensors");
    assertEquals(0, one.exitCode(), one::toString);
    assertTrue(one.out().contains(", 1 thread\n"), one::toString);
  }

  @Test
  void aVectorMlpSplitsItsStepsAndGetsTheBitsOfOneThread() throws IOException {
    // 40 hidden units: a looped layer, so that the class has the mini-batch path (Blobs' layers
    // are all written out and train example by example).
    Path model = Files.writeString(dir.resolve("wide.net"), BLOBS.replace("dense 8", "dense 40"));
    Path data = blobs();
    CliRunner one = train(model, data, "1", "one.safetensors", "--backend", "vector");
    assertEquals(0, one.exitCode(), one::toString);
    for (String threads : new String[] {"2", "3"}) {
      CliRunner split = train(model, data, threads, "split" + threads + ".safetensors",
          "--backend", "vector");
      assertEquals(0, split.exitCode(), split::toString);
      assertTrue(split.out().contains(", " + threads + " threads (each step split)"),
          split::toString);
      // Split steps compute every value as one thread does: the same weights, byte for byte.
      assertArrayEquals(Files.readAllBytes(dir.resolve("one.safetensors")),
          Files.readAllBytes(dir.resolve("split" + threads + ".safetensors")), threads);
    }
    // The scalar backend's classes do not split: replicas, as before.
    CliRunner scalar = train(model, data, "2", "scalar.safetensors", "--backend", "scalar");
    assertEquals(0, scalar.exitCode(), scalar::toString);
    assertTrue(scalar.out().contains(", 2 threads (data-parallel)"), scalar::toString);
  }

  @Test
  void trainDefaultsToTheVectorBackendAndThreadsByWorkPerShard() throws IOException {
    // The test JVM has jdk.incubator.vector (as bin/netc gives train), so auto picks vector.
    Path model = Files.writeString(dir.resolve("blobs.net"), BLOBS);
    Path data = blobs();
    // Blobs has 51 parameters: too little work per example for a second thread.
    assertEquals(1, TrainCommand.defaultThreads(64, 51, 51));
    // An MLP (one multiply-add per parameter) gets a thread per 32 examples.
    assertEquals(1, TrainCommand.defaultThreads(32, 235_146, 235_146));
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(Math.min(cores, 2), TrainCommand.defaultThreads(64, 235_146, 235_146));
    assertEquals(Math.min(cores, 4), TrainCommand.defaultThreads(128, 235_146, 235_146));
    // A class that splits its steps: a thread per 200k multiply-adds of a batch's forward pass,
    // so the Fashion MLP takes two from batch 2 on; Blobs keeps one.
    assertEquals(1, TrainCommand.defaultThreads(1, 235_146, 235_146, true));
    // One example: a thread per 16,384 weights and 16 rows of an MLP's first layer, whose pass
    // a one-example step splits (the Fashion MLP's 784 x 256: 12); none for other networks.
    assertEquals(12, TrainCommand.onlineSplitParts(example("fashion.net")));
    assertEquals(Math.min(cores, 12), TrainCommand.defaultThreads(1, 235_146, 235_146, true, 12));
    assertEquals(1, TrainCommand.defaultThreads(1, 19_210, 19_210, true, 1));
    assertEquals(1, TrainCommand.defaultThreads(1, 235_146, 235_146, false, 12));
    assertEquals(1, TrainCommand.onlineSplitParts(network(
        BLOBS.replace("input 2", "input 64").replace("dense 8", "dense 256"))));
    assertEquals(0, TrainCommand.onlineSplitParts(network(BLOBS)));
    assertEquals(Math.min(cores, 2), TrainCommand.defaultThreads(2, 235_146, 235_146, true));
    assertEquals(Math.min(cores, 2), TrainCommand.defaultThreads(32, 235_146, 235_146, true));
    assertEquals(1, TrainCommand.defaultThreads(64, 51, 51, true));
    assertEquals(1, TrainCommand.defaultThreads(32, 235_146, 235_146, false));
    // A CNN reuses its weights at every position: the Small CNN and LeNet-5 take two threads at
    // batch 32 (16 examples of 95 and 102 multiply-adds per parameter a shard), not at batch 4.
    Network smallCnn = example("fashion-cnn.net");
    Network lenet = example("lenet5.net");
    assertEquals(206_922, smallCnn.parameterCount());
    // conv1 784 * 16 * (9 + 1), conv2 196 * 32 * (144 + 1), dense 1568 * 128 + 128, 128 * 10 + 10
    assertEquals(125_440 + 909_440 + 200_832 + 1_290, smallCnn.multiplyAdds());
    assertEquals(Math.min(cores, 2), TrainCommand.defaultThreads(32, smallCnn.parameterCount(),
        smallCnn.multiplyAdds()));
    assertEquals(1, TrainCommand.defaultThreads(4, smallCnn.parameterCount(),
        smallCnn.multiplyAdds()));
    assertEquals(0, TrainCommand.onlineSplitParts(lenet));
    assertEquals(44_426, lenet.parameterCount());
    // conv1 576 * 6 * 26, conv2 64 * 16 * 151, dense 256 * 120 + 120, 120 * 84 + 84, 84 * 10 + 10
    assertEquals(89_856 + 154_624 + 30_840 + 10_164 + 850, lenet.multiplyAdds());
    assertEquals(Math.min(cores, 2), TrainCommand.defaultThreads(32, lenet.parameterCount(),
        lenet.multiplyAdds()));
    int expected = 1;
    CliRunner run = CliRunner.run("train", model.toString(), "--data", data.toString(),
        "--epochs", "2", "--batch", "64", "--out", dir.resolve("auto.safetensors").toString());
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().contains("generated code (vector), " + expected + " thread"),
        run::toString);
    CliRunner small = CliRunner.run("train", model.toString(), "--data", data.toString(),
        "--epochs", "2", "--batch", "8", "--backend", "scalar", "--out",
        dir.resolve("scalar.safetensors").toString());
    assertEquals(0, small.exitCode(), small::toString);
    assertTrue(small.out().contains("generated code (scalar), 1 thread\n"), small::toString);
  }

  private static Network network(String source) {
    FrontendResult r = Frontend.compile("test.net", source);
    assertTrue(!r.hasErrors(), r.renderDiagnostics());
    return r.networks().get(0);
  }

  private static Network example(String name) throws IOException {
    FrontendResult r = Frontend.compile(name, Files.readString(Path.of("..", "examples", name)));
    assertTrue(!r.hasErrors(), r.renderDiagnostics());
    return r.networks().get(0);
  }

  @Test
  void theWarmUpLeavesTheResultUnchanged() throws IOException {
    Path model = Files.writeString(dir.resolve("blobs.net"), BLOBS);
    // 40 hidden units: a vector class whose steps split over threads, so that the warm-up trains
    // the first steps' parts one after another and then switches to the team.
    Path wide = Files.writeString(dir.resolve("wide.net"), BLOBS.replace("dense 8", "dense 40"));
    Path data = blobs();
    for (Path net : new Path[] {model, wide}) {
      for (String threads : new String[] {"1", "2"}) {
        String name = net.getFileName() + threads;
        // 40 epochs of 20 steps: the warm-up most likely ends before training does.
        CliRunner warm = trainEpochs(net, data, "40", threads, "warm" + name + ".safetensors",
            "--warm-up", "--backend", "vector");
        CliRunner cold = trainEpochs(net, data, "40", threads, "cold" + name + ".safetensors",
            "--no-warm-up", "--backend", "vector");
        assertEquals(0, warm.exitCode(), warm::toString);
        assertEquals(0, cold.exitCode(), cold::toString);
        assertTrue(warm.out().contains("warm-up: "), warm::toString);
        assertTrue(!cold.out().contains("warm-up: "), cold::toString);
        assertArrayEquals(Files.readAllBytes(dir.resolve("cold" + name + ".safetensors")),
            Files.readAllBytes(dir.resolve("warm" + name + ".safetensors")), name);
      }
    }
    // 8 epochs of 20 steps: too short for the default warm-up.
    assertTrue(!train(model, data, "1", "short.safetensors").out().contains("warm-up: "));
  }

  @Test
  void aBadThreadCountIsAUsageError() throws IOException {
    Path model = Files.writeString(dir.resolve("blobs.net"), BLOBS);
    Path data = blobs();
    for (String bad : new String[] {"0", "-3", "257"}) {
      CliRunner r = train(model, data, bad, "w.safetensors");
      // Exit code 2 and the synopsis, as for a value that is not a number.
      assertEquals(2, r.exitCode(), r::toString);
      assertTrue(r.err().startsWith("netc: error: --threads must be between 1 and 256, not "
          + bad + "\nUsage: netc train"), r::toString);
      assertTrue(Files.notExists(dir.resolve("w.safetensors")));
    }
  }
}
