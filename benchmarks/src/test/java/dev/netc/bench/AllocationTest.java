package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  /** {@link #assertAllocatesNothing(String, Runnable, int)} in rounds of 100 calls. */
  private static void assertAllocatesNothing(String name, Runnable op) {
    assertAllocatesNothing(name, op, 100);
  }

  /**
   * Passes if some round of {@code calls} calls allocates no byte. A real allocation on the hot
   * path shows in every round; a one-off (class initialization, a JIT transition) shows in one
   * round only. Vector API code allocates its vector objects until C2 has compiled it (escape
   * analysis then removes them), which takes longer than scalar code: hence up to 300 rounds,
   * stopping at the first clean one.
   */
  private static void assertAllocatesNothing(String name, Runnable op, int calls) {
    op.run();
    long[] rounds = new long[300];
    for (int r = 0; r < rounds.length; r++) {
      // The counter's own calls allocate nothing, but subtract their cost in case a JDK does.
      rounds[r] = allocated(op, calls) - allocated(() -> { }, 0);
      if (rounds[r] == 0) {
        return;
      }
    }
    assertEquals(0, Arrays.stream(rounds).min().getAsLong(),
        name + " allocated in every round of " + calls + " calls, last rounds: "
            + Arrays.toString(Arrays.copyOfRange(rounds, rounds.length - 5, rounds.length)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void generatedBenchmarksAllocateNothing(String backend) {
    GeneratedBench bench = new GeneratedBench();
    GeneratedBench.MlpState mlp = new GeneratedBench.MlpState();
    mlp.backend = backend;
    mlp.setUp();
    mlp.reset();
    assertAllocatesNothing("mlpTrainB1", () -> bench.mlpTrainB1(mlp));
    assertAllocatesNothing("mlpTrainB32", () -> bench.mlpTrainB32(mlp));
    assertAllocatesNothing("mlpPredictB1", () -> bench.mlpPredictB1(mlp));
    GeneratedBench.TinyState tiny = new GeneratedBench.TinyState();
    tiny.backend = backend;
    tiny.setUp();
    tiny.reset();
    assertAllocatesNothing("tinyTrainB1", () -> bench.tinyTrainB1(tiny));
    assertAllocatesNothing("tinyPredictB1", () -> bench.tinyPredictB1(tiny));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void generatedCnnBenchmarksAllocateNothing(String backend) {
    // Fewer calls per round: a batch-32 step of the per-example conv kernels takes milliseconds.
    GeneratedBench bench = new GeneratedBench();
    var lenet = GeneratedBench.Cnn.ready(new GeneratedBench.LeNet5State(), backend);
    assertAllocatesNothing("lenet5TrainB32", () -> bench.lenet5TrainB32(lenet), 5);
    assertAllocatesNothing("lenet5PredictB1", () -> bench.lenet5PredictB1(lenet), 20);
    var small = GeneratedBench.Cnn.ready(new GeneratedBench.SmallCnnState(), backend);
    assertAllocatesNothing("smallCnnTrainB32", () -> bench.smallCnnTrainB32(small), 1);
    assertAllocatesNothing("smallCnnPredictB1", () -> bench.smallCnnPredictB1(small), 20);
  }
}
