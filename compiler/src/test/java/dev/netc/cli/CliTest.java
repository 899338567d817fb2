package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.io.Safetensors;
import dev.netc.runtime.io.Tensor;
import dev.netc.runtime.io.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end tests of every command through the real entry point: exit codes, output, files. */
class CliTest {
  private static final String XOR = """
      network Xor {
        input 2
        dense 4 tanh as hidden
        dense 1 sigmoid as output
        loss binary_cross_entropy
        optimizer adam(lr = 0.05)
        init xavier(seed = 7)
      }
      """;

  // y = 2 x0 - 3 x1 + 0.5, learnt by a single identity layer.
  private static final String LINEAR = """
      network Linear {
        input 2
        dense 1 identity as fit
        loss mse
        optimizer sgd(lr = 0.1)
        precision double
      }
      """;

  private static final String BLOBS = """
      network Blobs {
        input 2
        dense 8 relu
        dense 3 softmax
        loss cross_entropy
        optimizer adam(lr = 0.05)
      }
      """;

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  private static void assertExit(int expected, CliRunner r) {
    assertEquals(expected, r.exitCode(), r::toString);
  }

  @Test
  void generateWritesOneFilePerNetworkUnderThePackageAndIsByteIdentical() throws IOException {
    Path model = write("two.net", XOR + LINEAR);
    Path out = dir.resolve("src");
    CliRunner r = CliRunner.run(model.toString(), "-o", out.toString(), "-p", "com.example.nets");
    assertExit(0, r);
    Path xor = out.resolve("com/example/nets/Xor.java");
    Path linear = out.resolve("com/example/nets/Linear.java");
    assertTrue(Files.exists(xor) && Files.exists(linear), r::toString);
    assertTrue(Files.readString(xor).contains("package com.example.nets;"));
    byte[] before = Files.readAllBytes(xor);
    assertExit(0, CliRunner.run("generate", model.toString(), "-o", out.toString(), "-p",
        "com.example.nets", "--network", "Xor"));
    assertArrayEquals(before, Files.readAllBytes(xor));
    try (var files = Files.list(out.resolve("com/example/nets"))) {
      assertEquals(2, files.count(), "no temp files left behind");
    }
  }

  @Test
  void generateWithTheVectorBackendUsesTheVectorApiAndRejectsUnknownBackends()
      throws IOException {
    Path model = write("wide.net", "network Wide {\n  input 40\n  dense 20 relu\n"
        + "  dense 3 softmax\n  loss cross_entropy\n  optimizer sgd(lr = 0.1)\n}\n");
    Path out = dir.resolve("vec");
    assertExit(0, CliRunner.run("generate", model.toString(), "-o", out.toString(),
        "--backend", "vector"));
    String source = Files.readString(out.resolve("Wide.java"));
    assertTrue(source.contains("import jdk.incubator.vector.FloatVector;"), source);
    assertTrue(source.contains(".fma("), source);
    assertExit(0, CliRunner.run("generate", model.toString(), "-o", out.toString()));
    assertFalse(Files.readString(out.resolve("Wide.java")).contains("jdk.incubator"));
    CliRunner bad = CliRunner.run("generate", model.toString(), "-o", out.toString(),
        "--backend", "simd");
    assertExit(1, bad);
    assertTrue(bad.err().contains("unknown backend 'simd'"), bad::toString);
  }

  @Test
  void syntaxErrorsArePositionedAndExitWithOne() throws IOException {
    Path model = write("bad.net", "network Bad {\n  input 2\n  dense 3 relu6\n}\n");
    CliRunner r = CliRunner.run(model.toString(), "-o", dir.resolve("out").toString());
    assertExit(1, r);
    assertTrue(r.err().contains(model + ":3:11: error:"), r::toString);
    assertTrue(r.err().contains("relu"), r::toString);
    assertFalse(r.err().contains("Exception"), r::toString);
    assertFalse(Files.exists(dir.resolve("out")), "nothing written on error");
  }

  @Test
  void usageErrorsExitWithTwoAndMissingFilesWithOne() {
    assertExit(2, CliRunner.run("train", "--bogus"));
    assertExit(2, CliRunner.run());
    CliRunner missing = CliRunner.run(dir.resolve("nope.net").toString());
    assertExit(1, missing);
    assertTrue(missing.err().contains("no such file"), missing::toString);
    assertExit(1, CliRunner.run("generate", "x.net", "-p", "not a package"));
  }

  @Test
  void versionAndHelp() {
    CliRunner v = CliRunner.run("--version");
    assertExit(0, v);
    assertTrue(v.out().startsWith("netc "), v::toString);
    CliRunner h = CliRunner.run("train", "--help");
    assertExit(0, h);
    assertTrue(h.out().contains("--epochs"), h::toString);
    // netc registers only the command it runs; help and the usage list see them all.
    CliRunner helpTrain = CliRunner.run("help", "train");
    assertExit(0, helpTrain);
    assertTrue(helpTrain.out().startsWith("Usage: netc train"), helpTrain::toString);
    for (String[] args : new String[][] {{"--help"}, {"help"}}) {
      CliRunner all = CliRunner.run(args);
      assertExit(0, all);
      for (String command : new String[] {"generate", "check", "grad", "train", "eval",
          "predict", "tune", "dot", "import", "export", "help"}) {
        assertTrue(all.out().contains("\n  " + command + " "), () -> command + " in " + all);
      }
    }
    CliRunner none = CliRunner.run();
    assertExit(2, none);
    assertTrue(none.err().contains("train"), none::toString);
  }

  @Test
  void checkPrintsATablePerTensor() throws IOException {
    Path model = write("xor.net", XOR);
    CliRunner r = CliRunner.run("check", model.toString());
    assertExit(0, r);
    assertTrue(r.out().contains("hidden.weight") && r.out().contains("output.bias"), r::toString);
    assertTrue(r.out().contains("ok (tolerances"), r::toString);
  }

  @Test
  void gradMatchesTheClosedFormForLinearRegression() throws IOException {
    Path model = write("linear.net", LINEAR);
    double[][] rows = {{1, 2, 0.5}, {-1, 0.5, 3}, {0.25, -2, 1}};
    StringBuilder csv = new StringBuilder();
    for (double[] row : rows) {
      csv.append(row[0]).append(',').append(row[1]).append(',').append(row[2]).append('\n');
    }
    Path data = write("d.csv", csv.toString());
    double[] w = {0.3, -0.7};
    double b = 0.1;
    Path params = dir.resolve("p.safetensors");
    Safetensors.write(params, Map.of(
        "fit.weight", Tensor.ofDoubles(new int[] {1, 2}, w),
        "fit.bias", Tensor.ofDoubles(new int[] {1}, new double[] {b})));
    // mse mean over N examples × 1 output: dL/dw = 2/N Σ (y - t) x, dL/db = 2/N Σ (y - t).
    double[] gw = new double[2];
    double gb = 0;
    double loss = 0;
    for (double[] row : rows) {
      double err = w[0] * row[0] + w[1] * row[1] + b - row[2];
      loss += err * err / rows.length;
      gw[0] += 2 * err * row[0] / rows.length;
      gw[1] += 2 * err * row[1] / rows.length;
      gb += 2 * err / rows.length;
    }
    for (boolean interpret : new boolean[] {false, true}) {
      Path out = dir.resolve("g" + interpret + ".safetensors");
      CliRunner r = interpret
          ? CliRunner.run("grad", model.toString(), "--params", params.toString(), "--data",
              data.toString(), "--out", out.toString(), "--interpret")
          : CliRunner.run("grad", model.toString(), "--params", params.toString(), "--data",
              data.toString(), "--out", out.toString());
      assertExit(0, r);
      Map<String, Tensor> g = Safetensors.read(out);
      assertEquals(3, g.size(), g::toString);
      assertArrayEquals(new int[] {1, 2}, g.get("fit.weight").shape());
      assertArrayEquals(gw, g.get("fit.weight").data(), 1e-12);
      assertEquals(gb, g.get("fit.bias").get(0), 1e-12);
      assertEquals(0, g.get("loss").rank());
      assertEquals(loss, g.get("loss").get(0), 1e-12);
    }
  }

  @Test
  void trainedWeightsLoadInTheGeneratedClassAndMatchTheInterpreter() throws IOException {
    Path model = write("xor.net", XOR);
    Path data = write("xor.csv", "0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
    Path weights = dir.resolve("out/xor.safetensors");
    CliRunner r = CliRunner.run("train", model.toString(), "--data", data.toString(),
        "--epochs", "400", "--batch", "4", "--out", weights.toString());
    assertExit(0, r);
    assertTrue(r.out().contains("epoch 400/400"), r::toString);
    assertTrue(Files.readString(dir.resolve("out/xor.svg")).startsWith("<svg"));
    Network net = Frontend.compile("xor.net", XOR).networks().get(0);
    FloatNetwork generated = (FloatNetwork) Backends.instantiate(net);
    Weights.load(weights, generated);
    Interpreter interpreter = new Interpreter(net);
    Weights.load(weights, interpreter);
    float[][] inputs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    float[] expected = {0, 1, 1, 0};
    for (int i = 0; i < 4; i++) {
      float[] y = new float[1];
      generated.predict(inputs[i], y);
      double[] yi = new double[1];
      interpreter.predict(new double[] {inputs[i][0], inputs[i][1]}, yi);
      assertEquals(yi[0], y[0], 1e-5);
      assertEquals(expected[i], y[0], 0.2, "xor(" + inputs[i][0] + ", " + inputs[i][1] + ")");
    }
    CliRunner eval = CliRunner.run("eval", model.toString(), "--params", weights.toString(),
        "--data", data.toString());
    assertExit(0, eval);
    assertTrue(eval.out().contains("accuracy  100.00%"), eval::toString);
  }

  @Test
  void evalPrintsAConfusionMatrixForSoftmaxNetworks() throws IOException {
    Path model = write("blobs.net", BLOBS);
    StringBuilder csv = new StringBuilder();
    java.util.Random rnd = new java.util.Random(3);
    double[][] centres = {{0, 3}, {3, -2}, {-3, -2}};
    for (int i = 0; i < 300; i++) {
      int c = i % 3;
      csv.append(centres[c][0] + rnd.nextGaussian() * 0.5).append(',')
          .append(centres[c][1] + rnd.nextGaussian() * 0.5).append(',').append(c).append('\n');
    }
    Path data = write("blobs.csv", csv.toString());
    Path weights = dir.resolve("blobs.safetensors");
    assertExit(0, CliRunner.run("train", model.toString(), "--data", data.toString(),
        "--test", data.toString(), "--epochs", "20", "--batch", "16", "--out",
        weights.toString(), "--seed", "5"));
    for (String backend : new String[] {"generated", "interpreter"}) {
      CliRunner r = backend.equals("generated")
          ? CliRunner.run("eval", model.toString(), "--params", weights.toString(), "--data",
              data.toString())
          : CliRunner.run("eval", model.toString(), "--params", weights.toString(), "--data",
              data.toString(), "--interpret");
      assertExit(0, r);
      assertTrue(r.out().contains("confusion matrix"), r::toString);
      double accuracy = Double.parseDouble(r.out().replaceAll("(?s).*accuracy\\s+([0-9.]+)%.*",
          "$1"));
      assertTrue(accuracy > 95, r::toString);
    }
  }

  @Test
  void divergenceStopsTrainingAndKeepsThePreviousWeights() throws IOException {
    Path model = write("hot.net", LINEAR.replace("sgd(lr = 0.1)", "sgd(lr = 1e6)"));
    Path data = write("d.csv", "1,2,3\n4,5,6\n-7,8,-9\n");
    Path weights = write("w.safetensors", "previous");
    CliRunner r = CliRunner.run("train", model.toString(), "--data", data.toString(),
        "--epochs", "50", "--batch", "1", "--out", weights.toString());
    assertExit(1, r);
    assertTrue(r.err().contains("training diverged in epoch"), r::toString);
    assertEquals("previous", Files.readString(weights));
  }

  @Test
  void malformedInputsGiveOneClearLineAndExitOne() throws IOException {
    Path model = write("xor.net", XOR);
    Path good = write("xor.csv", "0,0,0\n0,1,1\n");
    Path badRow = write("bad.csv", "0,0,0\n0,x,1\n");
    Path shortRow = write("short.csv", "0,0,0\n0,1\n");
    Path truncated = write("t.safetensors", "\u0010\0\0\0\0\0\0\0{\"a\":");
    Path wrongShape = dir.resolve("shape.safetensors");
    Safetensors.write(wrongShape, Map.of(
        "hidden.weight", Tensor.ofFloats(new int[] {2, 4}, new float[8]),
        "hidden.bias", Tensor.ofFloats(new int[] {4}, new float[4]),
        "output.weight", Tensor.ofFloats(new int[] {1, 4}, new float[4]),
        "output.bias", Tensor.ofFloats(new int[] {1}, new float[1])));
    Path idx = dir.resolve("images-idx3-ubyte");
    Files.write(idx, new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 0, 0, 0, 2});
    Path bogusIdx = write("bogus-images-idx3-ubyte", "\0\0\u0009\u0003");
    String out = dir.resolve("o.safetensors").toString();
    String[][] cases = {
      {"bad.csv:2", "train", model.toString(), "--data", badRow.toString(), "--out", out},
      {"short.csv:2", "train", model.toString(), "--data", shortRow.toString(), "--out", out},
      {"no such file", "train", model.toString(), "--data", "missing.csv", "--out", out},
      {"t.safetensors", "eval", model.toString(), "--params", truncated.toString(), "--data",
          good.toString()},
      {"hidden.weight", "eval", model.toString(), "--params", wrongShape.toString(), "--data",
          good.toString()},
      {"no such file", "eval", model.toString(), "--params", "missing.safetensors", "--data",
          good.toString()},
      {"cross_entropy", "train", model.toString(), "--data", idx.toString(), "--out", out},
      {"bogus-images-idx3-ubyte", "grad", model.toString(), "--data", bogusIdx.toString(),
          "--out", out},
    };
    for (String[] c : cases) {
      String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
      CliRunner r = CliRunner.run(args);
      assertExit(1, r);
      assertTrue(r.err().contains(c[0]), () -> "expected '" + c[0] + "' in " + r);
      assertTrue(r.err().startsWith("netc: error: "), r::toString);
      assertEquals(1, r.err().strip().lines().count(), r::toString);
    }
    assertFalse(Files.exists(dir.resolve("o.safetensors")));
  }

  /**
   * {@code train} starts reading IDX files before it parses the network: what it reads is still
   * checked against the network, and of several problems the same one is reported as before.
   */
  @Test
  void idxFilesReadBeforeTheNetworkAreCheckedAgainstIt() throws IOException {
    Path model = write("blobs.net", BLOBS);
    Path images = idx("train-images-idx3-ubyte", new int[] {3, 1, 2}, 10, 20, 30, 40, 50, 60);
    idx("train-labels-idx1-ubyte", new int[] {3}, 0, 2, 1);
    Path farLabels = idx("far-labels-idx1-ubyte", new int[] {3}, 0, 7, 1);
    Path wide = idx("wide-images-idx3-ubyte", new int[] {3, 1, 3}, new int[9]);
    idx("wide-labels-idx1-ubyte", new int[] {3}, 0, 1, 2);
    Path shortImages = idx("short-images-idx3-ubyte", new int[] {3, 1, 2}, 1, 2, 3, 4);
    idx("short-labels-idx1-ubyte", new int[] {3}, 0, 1, 2);
    Path unpaired = idx("lonely-images-idx3-ubyte", new int[] {3, 1, 2}, new int[6]);
    Path badModel = write("bad.net", "network Bad {\n  input 2\n  dense relu\n}\n");
    String out = dir.resolve("o.safetensors").toString();
    String[][] cases = {
      {"label 7 of example 1 is out of range 0 to 2", model.toString(), "--data",
          images.toString(), "--labels", farLabels.toString()},
      {"has 3 inputs per example, but network 'Blobs' takes 2", model.toString(), "--data",
          wide.toString()},
      {"short-images-idx3-ubyte: is truncated", model.toString(), "--data",
          shortImages.toString()},
      {"lonely-labels-idx1-ubyte", model.toString(), "--data", unpaired.toString()},
      {"test-images-idx3-ubyte", model.toString(), "--data", images.toString(), "--test",
          dir.resolve("test-images-idx3-ubyte").toString()},
    };
    for (String[] c : cases) {
      String[] args = new String[c.length + 2];
      args[0] = "train";
      System.arraycopy(c, 1, args, 1, c.length - 1);
      args[c.length] = "--out";
      args[c.length + 1] = out;
      CliRunner r = CliRunner.run(args);
      assertExit(1, r);
      assertTrue(r.err().contains(c[0]), () -> "expected '" + c[0] + "' in " + r);
      assertEquals(1, r.err().strip().lines().count(), r::toString);
    }
    // Bad training and test files, both read ahead: the training file's error.
    CliRunner twoBad = CliRunner.run("train", model.toString(), "--data", shortImages.toString(),
        "--test", wide.toString(), "--out", out);
    assertExit(1, twoBad);
    assertTrue(twoBad.err().contains("short-images-idx3-ubyte: is truncated"), twoBad::toString);
    // A bad network and a bad data file: the network's error, as when the data was read after it.
    CliRunner both = CliRunner.run("train", badModel.toString(), "--data",
        shortImages.toString(), "--out", out);
    assertExit(1, both);
    assertTrue(both.err().startsWith(badModel + ":3:9: error: "), both::toString);
    assertFalse(both.err().contains("truncated"), both::toString);
    assertFalse(Files.exists(dir.resolve("o.safetensors")));
    CliRunner ok = CliRunner.run("train", model.toString(), "--data", images.toString(),
        "--test", images.toString(), "--epochs", "2", "--out", out);
    assertExit(0, ok);
    assertTrue(ok.out().contains("on 3 examples"), ok::toString);
    assertTrue(Files.exists(dir.resolve("o.safetensors")));
  }

  /** An unsigned-byte IDX file of the given dimensions and values. */
  private Path idx(String name, int[] dims, int... values) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    bytes.write(new byte[] {0, 0, 8, (byte) dims.length});
    for (int d : dims) {
      bytes.write(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
    }
    for (int v : values) {
      bytes.write(v);
    }
    Path p = dir.resolve(name);
    Files.write(p, bytes.toByteArray());
    return p;
  }

  @Test
  void everyCommandRunsOnTheVectorBackend() throws IOException {
    Path model = write("xor.net", XOR);
    Path data = write("xor.csv", "0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
    Path weights = dir.resolve("v.safetensors");
    CliRunner train = CliRunner.run("train", model.toString(), "--data", data.toString(),
        "--epochs", "400", "--batch", "4", "--out", weights.toString(), "--backend", "vector");
    assertExit(0, train);
    assertTrue(train.out().contains("generated code (vector)"), train::toString);
    CliRunner eval = CliRunner.run("eval", model.toString(), "--params", weights.toString(),
        "--data", data.toString(), "--backend", "vector");
    assertExit(0, eval);
    assertTrue(eval.out().contains("accuracy  100.00%"), eval::toString);
    CliRunner check = CliRunner.run("check", model.toString(), "--backend", "vector");
    assertExit(0, check);
    assertTrue(check.out().contains("ok (tolerances"), check::toString);
    Path grads = dir.resolve("g.safetensors");
    assertExit(0, CliRunner.run("grad", model.toString(), "--params", weights.toString(),
        "--data", data.toString(), "--out", grads.toString(), "--backend", "vector"));
    assertTrue(Files.size(grads) > 0);
  }

  @Test
  void dotDescribesEveryLayer() throws IOException {
    Path model = write("xor.net", XOR);
    CliRunner r = CliRunner.run("dot", model.toString());
    assertExit(0, r);
    assertTrue(r.out().startsWith("digraph \"Xor\""), r::toString);
    assertTrue(r.out().contains("hidden\\ndense 4 tanh"), r::toString);
    assertTrue(r.out().contains("weight [1 x 4]"), r::toString);
  }

  @Test
  void severalNetworksNeedNetworkForTraining() throws IOException {
    Path model = write("two.net", XOR + LINEAR);
    Path data = write("xor.csv", "0,0,0\n");
    CliRunner r = CliRunner.run("train", model.toString(), "--data", data.toString(), "--out",
        dir.resolve("w.safetensors").toString());
    assertExit(1, r);
    assertTrue(r.err().contains("--network"), r::toString);
  }
}
