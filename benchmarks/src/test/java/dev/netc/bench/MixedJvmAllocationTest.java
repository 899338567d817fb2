package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several generated vector classes in one JVM: the tanh MLP reaches zero allocation after
 * LeNet-5, the Small CNN and the relu MLP have warmed up, the order in which JDK 17's C2 used to
 * box the tanh class's vectors in every JVM (half a megabyte per training step), until the
 * first float vector class of a JVM warmed the Vector API up with the tanh kernel's operators
 * ({@code dev.netc.runtime.VectorWarmUp}). In a JVM of its own, as an app would be. Only the
 * tanh class's lines are checked: the others have their own test ({@code AllocationTest}, which
 * allows for the rare JVM in which C2 boxes a CNN's step even alone).
 */
class MixedJvmAllocationTest {
  @TempDir Path dir;

  @Test
  void aTanhClassAfterTheOthersAllocatesNothing() throws Exception {
    Path log = dir.resolve("child.log");
    Process p = new ProcessBuilder(List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "--add-modules", "jdk.incubator.vector",
            "-cp", System.getProperty("java.class.path"),
            MixedJvmAllocation.class.getName(), "--child", "--tanh"))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    p.getOutputStream().close();
    boolean finished = p.waitFor(5, TimeUnit.MINUTES);
    if (!finished) {
      p.destroyForcibly().waitFor();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    System.out.print(out);
    assertTrue(finished, "the child JVM took over 5 minutes:\n" + out);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("tanhMlpTrainB32: clean"), out);
    assertTrue(out.contains("tanhMlpPredictB1: clean"), out);
  }
}
