package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Several generated vector classes in one JVM all reach zero allocation, the tanh MLP's included
 * after LeNet-5, the Small CNN and the relu MLP have warmed up: the order in which JDK 17's C2
 * used to box the tanh class's vectors in every JVM (half a megabyte per training step), until
 * the first float vector class of a JVM warmed the Vector API up with the tanh kernel's
 * operators ({@code dev.netc.runtime.VectorWarmUp}). In a JVM of its own, as an app would be.
 */
class MixedJvmAllocationTest {
  @Test
  void aTanhClassAfterTheOthersAllocatesNothing() throws Exception {
    Process p = new ProcessBuilder(List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "--add-modules", "jdk.incubator.vector",
            "-cp", System.getProperty("java.class.path"),
            MixedJvmAllocation.class.getName(), "--child", "--tanh"))
        .redirectErrorStream(true)
        .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the child JVM finished");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("tanhMlpTrainB32: clean"), out);
    assertTrue(out.contains("tanhMlpPredictB1: clean"), out);
    assertFalse(out.contains("ALLOCATES"), out);
  }
}
