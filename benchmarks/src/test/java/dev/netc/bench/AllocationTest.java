package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The generated classes' hot paths allocate nothing, counted by the JVM's per-thread allocation
 * counter: a stricter check than JMH's gc.alloc.rate.norm, whose small residue is the harness's.
 */
class AllocationTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Bytes allocated by this thread while running {@code op} {@code times} times. */
  private static long allocated(Runnable op, int times) {
    long id = Thread.currentThread().getId();
    long before = THREADS.getThreadAllocatedBytes(id);
    for (int i = 0; i < times; i++) {
      op.run();
    }
    return THREADS.getThreadAllocatedBytes(id) - before;
  }

  private static void assertAllocatesNothing(String name, Runnable op) {
    op.run();
    // The counter's own call allocates a little; 100 runs must allocate no more than 0 runs.
    long baseline = allocated(() -> { }, 0);
    assertEquals(baseline, allocated(op, 100), name + " allocated");
  }

  @Test
  void generatedBenchmarksAllocateNothing() {
    GeneratedBench bench = new GeneratedBench();
    GeneratedBench.MlpState mlp = new GeneratedBench.MlpState();
    mlp.setUp();
    mlp.reset();
    assertAllocatesNothing("mlpTrainB1", () -> bench.mlpTrainB1(mlp));
    assertAllocatesNothing("mlpTrainB32", () -> bench.mlpTrainB32(mlp));
    assertAllocatesNothing("mlpPredictB1", () -> bench.mlpPredictB1(mlp));
    GeneratedBench.TinyState tiny = new GeneratedBench.TinyState();
    tiny.setUp();
    tiny.reset();
    assertAllocatesNothing("tinyTrainB1", () -> bench.tinyTrainB1(tiny));
    assertAllocatesNothing("tinyPredictB1", () -> bench.tinyPredictB1(tiny));
  }
}
