package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.io.Safetensors;
import dev.netc.runtime.io.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code netc import} and {@code netc export} through the real entry point. */
class OnnxCliTest {
  @TempDir Path dir;

  private Path fixture(String name) throws IOException {
    Path p = dir.resolve(name + ".onnx");
    try (InputStream in = OnnxCliTest.class.getResourceAsStream("/onnx/" + name + ".onnx")) {
      Files.write(p, in.readAllBytes());
    }
    return p;
  }

  @Test
  void importWritesNetAndWeightsBesideTheModel() throws IOException {
    Path onnx = fixture("softmax");
    CliRunner r = CliRunner.run("import", onnx.toString(), "--loss", "cross_entropy",
        "--optimizer", "sgd(lr = 0.05, momentum = 0.9)");
    assertEquals(0, r.exitCode(), r::toString);
    Path net = dir.resolve("softmax.net");
    Path weights = dir.resolve("softmax.safetensors");
    assertEquals("wrote " + net + " (network Softmax, 2 dense layers, 164 parameters) and "
        + weights + "\n", r.out());
    String text = Files.readString(net);
    assertTrue(text.contains("  loss cross_entropy\n  optimizer sgd(lr = 0.05, momentum = 0.9)"),
        text);
    Map<String, Tensor> w = Safetensors.read(weights);
    assertEquals(java.util.Set.of("hidden.weight", "hidden.bias", "logits.weight",
        "logits.bias"), w.keySet());
    // The written file compiles, and trains: check runs its gradients.
    CliRunner check = CliRunner.run("check", net.toString());
    assertEquals(0, check.exitCode(), check::toString);
  }

  @Test
  void exportThenImportGivesTheSameNetwork() throws IOException {
    Path onnx = fixture("batchnorm");
    Path net = dir.resolve("bn.net");
    Path weights = dir.resolve("out/bn.safetensors");
    CliRunner imported = CliRunner.run("import", onnx.toString(), "-o", net.toString(),
        "--weights", weights.toString(), "--name", "Bn", "--precision", "double");
    assertEquals(0, imported.exitCode(), imported::toString);
    Path exported = dir.resolve("bn-again.onnx");
    CliRunner export = CliRunner.run("export", net.toString(), "--params", weights.toString(),
        "-o", exported.toString(), "--opset", "13");
    assertEquals(0, export.exitCode(), export::toString);
    assertTrue(export.out().startsWith("wrote " + exported + " (network Bn, opset 13, "),
        export.out());
    Path net2 = dir.resolve("bn2.net");
    CliRunner again = CliRunner.run("import", exported.toString(), "-o", net2.toString());
    assertEquals(0, again.exitCode(), again::toString);
    assertEquals(body(net), body(net2));
    assertEquals(Safetensors.read(weights), Safetensors.read(dir.resolve("bn2.safetensors")));
  }

  @Test
  void aCnnComesInTrainsAndGoesOut() throws IOException {
    Path onnx = fixture("strided_cnn");
    CliRunner r = CliRunner.run("import", onnx.toString(), "--loss", "mse");
    assertEquals(0, r.exitCode(), r::toString);
    Path net = dir.resolve("strided_cnn.net");
    Path weights = dir.resolve("strided_cnn.safetensors");
    assertEquals("wrote " + net + " (network StridedCnn, 6 layers, 359 parameters) and "
        + weights + "\n", r.out());
    CliRunner check = CliRunner.run("check", net.toString());
    assertEquals(0, check.exitCode(), check::toString);
    Path exported = dir.resolve("again.onnx");
    CliRunner export = CliRunner.run("export", net.toString(), "--params", weights.toString(),
        "-o", exported.toString());
    assertEquals(0, export.exitCode(), export::toString);
    Path net2 = dir.resolve("again.net");
    CliRunner again = CliRunner.run("import", exported.toString(), "-o", net2.toString());
    assertEquals(0, again.exitCode(), again::toString);
    assertEquals(body(net), body(net2));
    assertEquals(Safetensors.read(weights), Safetensors.read(dir.resolve("again.safetensors")));
  }

  private static List<String> body(Path net) throws IOException {
    return Files.readAllLines(net).stream().filter(l -> !l.startsWith("//")).toList();
  }

  @Test
  void unsupportedModelsExitOneAndWriteNothing() throws IOException {
    for (String name : List.of("residual_add", "lstm", "grouped_conv")) {
      Path onnx = fixture(name);
      CliRunner r = CliRunner.run("import", onnx.toString());
      assertEquals(1, r.exitCode(), r::toString);
      assertTrue(r.err().startsWith("netc: error: " + onnx + ": node '"), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    Path garbage = dir.resolve("garbage.onnx");
    Files.write(garbage, new byte[] {1, 2, 3, 4, 5});
    CliRunner r = CliRunner.run("import", garbage.toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().startsWith("netc: error: " + garbage + ": not an ONNX model"), r.err());
    try (Stream<Path> files = Files.list(dir)) {
      assertFalse(files.anyMatch(p -> !p.toString().endsWith(".onnx")), "something was written");
    }
    CliRunner missing = CliRunner.run("import", dir.resolve("nope.onnx").toString());
    assertEquals(1, missing.exitCode());
    assertEquals("netc: error: cannot read '" + dir.resolve("nope.onnx") + "': no such file\n",
        missing.err());
  }

  @Test
  void exportErrors() throws IOException {
    Path net = dir.resolve("x.net");
    Files.writeString(net, "network X { input 2 dense 1 sigmoid as o }");
    Path wrong = dir.resolve("wrong.safetensors");
    Safetensors.write(wrong, Map.of("o.weight", Tensor.ofFloats(new int[] {1, 3},
        new float[3]), "o.bias", Tensor.ofFloats(new int[] {1}, new float[1])));
    Path out = dir.resolve("x.onnx");
    CliRunner r = CliRunner.run("export", net.toString(), "--params", wrong.toString(), "-o",
        out.toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().contains("o.weight"), r.err());
    assertFalse(Files.exists(out));
    CliRunner opset = CliRunner.run("export", net.toString(), "--params", wrong.toString(), "-o",
        out.toString(), "--opset", "5");
    assertEquals(2, opset.exitCode(), opset::toString);
    assertTrue(opset.err().contains("--opset 5 is outside 9 to 21"), opset.err());
  }
}
