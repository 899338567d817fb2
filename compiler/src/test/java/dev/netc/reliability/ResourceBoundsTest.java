package dev.netc.reliability;

import dev.netc.cli.CliRunner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.check.Checker;
import dev.netc.ir.Network;
import dev.netc.runtime.TrainableFloatNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Networks that would need absurd memory or produce uncompilable code are refused by the front
 * end, before anything is allocated or written, with the size in the message. The annotated file
 * {@code front/bad/resource_too_many_parameters.net} checks the same message line by line.
 */
class ResourceBoundsTest {
  private static final String HUGE = "network Huge { input 65536 dense 65536 relu }";

  @TempDir Path dir;

  @Test
  void sixtyFiveThousandSquaredIsRejectedWithCountAndMemory() {
    String d = Generated.reject(HUGE);
    assertTrue(d.startsWith("t.net:1:9: error: network 'Huge' needs 4295032832 parameters "
        + "(16.0 GiB as float); the limit is 268435456"), d);
    d = Generated.reject(HUGE.replace("}", "precision double }"));
    assertTrue(d.contains("needs 4295032832 parameters (32.0 GiB as double)"), d);
  }

  @Test
  void theAnnotatedBadFileSaysTheSame() throws IOException {
    String file = Files.readString(Path.of("src/test/resources/front/bad/"
        + "resource_too_many_parameters.net"));
    assertTrue(file.contains("// expect error: network 'Big' needs 4295098369 parameters "
        + "(16.0 GiB as float); the limit is 268435456"), file);
    String d = Generated.reject(file);
    assertTrue(d.contains("needs 4295098369 parameters (16.0 GiB as float)"), d);
  }

  /** The CLI stops at the diagnostic: exit 1, nothing written, no data read. */
  @Test
  void theCliRefusesBeforeWritingOrReading() throws IOException {
    Path model = dir.resolve("huge.net");
    Files.writeString(model, HUGE);
    Path out = dir.resolve("out");
    CliRunner r = CliRunner.run(model.toString(), "-o", out.toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().startsWith(model + ":1:9: error: network 'Huge' needs 4295032832 "
        + "parameters (16.0 GiB as float); the limit is 268435456"), r::toString);
    assertTrue(r.err().endsWith("netc: error: " + model + ": 1 error\n"), r::toString);
    assertFalse(Files.exists(out));
    r = CliRunner.run("train", model.toString(), "--data", dir.resolve("none.csv").toString(),
        "--out", dir.resolve("w.safetensors").toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().contains("needs 4295032832 parameters"), r::toString);
    assertEquals(List.of("huge.net"), List.of(dir.toFile().list()));
  }

  /**
   * Depth is bounded too: far past the limit the class file's constant pool overflows and javac
   * fails. At the limit, with the optimizer that keeps the most state, the class compiles and
   * trains (the slowest test here: javac on about 1000 layers).
   */
  @Test
  void depthIsBoundedAndTheDeepestNetworkCompiles() {
    String layers = "dense 1 tanh ".repeat(Checker.MAX_LAYERS - 1);
    String deep = "network Deep { input 2 " + layers + "dense 1 identity loss mse "
        + "optimizer adam(weight_decay = 0.01) }";
    String d = Generated.reject(deep.replace("input 2 ", "input 2 dense 1 tanh "));
    assertTrue(d.contains("network 'Deep' has 1025 dense layers; the limit is 1024"), d);
    List<Network> nets = Generated.accept("deep.net", deep);
    TrainableFloatNetwork net =
        (TrainableFloatNetwork) Generated.instance(Generated.compile(nets), "Deep");
    float loss = (float) net.trainBatch(new float[] {1, -1}, new float[] {0.5f}, 1);
    assertTrue(Float.isFinite(loss), "loss " + loss);
  }
}
