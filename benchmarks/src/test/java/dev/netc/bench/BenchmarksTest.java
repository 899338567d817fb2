package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.interp.Interpreter;
import java.util.Arrays;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs every benchmark method a few times outside JMH: each one works, returns a real number, and
 * the training benchmarks really train. Also checks that the generated classes are the networks the
 * interpreter and Encog run, so the table compares like with like.
 */
class BenchmarksTest {

  private static void assertRuns(String name, DoubleSupplier op) {
    for (int i = 0; i < 3; i++) {
      double v = op.getAsDouble();
      assertTrue(Double.isFinite(v), name + " returned " + v);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void generatedBenchmarksRunAndTrain(String backend) {
    GeneratedBench bench = new GeneratedBench();
    GeneratedBench.MlpState mlp = new GeneratedBench.MlpState();
    mlp.backend = backend;
    mlp.setUp();
    mlp.reset();
    assertRuns("mlpTrainB1", () -> bench.mlpTrainB1(mlp));
    assertRuns("mlpTrainB32", () -> bench.mlpTrainB32(mlp));
    assertRuns("mlpTrainB128", () -> bench.mlpTrainB128(mlp));
    assertRuns("mlpPredictB1", () -> bench.mlpPredictB1(mlp));
    float[] after = new float[mlp.net.parameterCount()];
    mlp.net.getParameters(after);
    assertFalse(Arrays.equals(mlp.initial, after), "training changed the parameters");
    mlp.reset();
    mlp.net.getParameters(after);
    assertArrayEquals(mlp.initial, after, "reset restored the parameters");

    GeneratedBench.TinyState tiny = new GeneratedBench.TinyState();
    tiny.backend = backend;
    tiny.setUp();
    tiny.reset();
    assertRuns("tinyTrainB1", () -> bench.tinyTrainB1(tiny));
    assertRuns("tinyPredictB1", () -> bench.tinyPredictB1(tiny));
  }

  @Test
  void cnnInterpreterBenchmarksRunTheIssuesNetworks() {
    // PyTorch's parameter counts of the same modules (benchmarks/peers/torch_peer.py).
    assertEquals(44426, BenchNetworks.lenet5().parameterCount());
    assertEquals(206922, BenchNetworks.smallCnn().parameterCount());
    InterpreterBench bench = new InterpreterBench();
    InterpreterBench.LeNet5State lenet = new InterpreterBench.LeNet5State();
    lenet.setUp();
    lenet.reset();
    assertRuns("lenet5PredictB1", () -> bench.lenet5PredictB1(lenet));
    assertRuns("lenet5TrainB32", () -> bench.lenet5TrainB32(lenet));
    InterpreterBench.SmallCnnState small = new InterpreterBench.SmallCnnState();
    small.setUp();
    small.reset();
    assertRuns("smallCnnPredictB1", () -> bench.smallCnnPredictB1(small));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void parallelBenchmarksRunAndTrain(String backend) {
    ParallelBench bench = new ParallelBench();
    ParallelBench.Trainer s = new ParallelBench.Trainer();
    s.backend = backend;
    s.setUp();
    try {
      s.reset();
      assertRuns("mlpTrainB32", () -> bench.mlpTrainB32(s));
      assertRuns("mlpTrainB128", () -> bench.mlpTrainB128(s));
      float[] after = new float[s.initial.length];
      s.trainer.master().getParameters(after);
      assertFalse(Arrays.equals(s.initial, after), "training changed the parameters");
    } finally {
      s.tearDown();
    }
  }

  @Test
  void phaseBenchmarksRun() {
    GeneratedPhasesBench bench = new GeneratedPhasesBench();
    GeneratedPhasesBench.MlpState s = new GeneratedPhasesBench.MlpState();
    s.setUp();
    s.reset();
    float[] before = new float[s.net.parameterCount()];
    s.net.getParameters(before);
    bench.mlpOptimizerStep(s);
    float[] after = new float[s.net.parameterCount()];
    s.net.getParameters(after);
    assertFalse(Arrays.equals(before, after), "the optimizer step saw a non-zero gradient");
    float[] grad = s.grad.clone();
    assertRuns("mlpAccumulateB1", () -> bench.mlpAccumulateB1(s));
    assertRuns("mlpAccumulateB32", () -> bench.mlpAccumulateB32(s));
    assertFalse(Arrays.equals(grad, s.grad), "accumulating changed the gradient");
  }

  @Test
  void interpreterBenchmarksRun() {
    InterpreterBench bench = new InterpreterBench();
    InterpreterBench.MlpState mlp = new InterpreterBench.MlpState();
    mlp.setUp();
    mlp.reset();
    assertRuns("mlpTrainB1", () -> bench.mlpTrainB1(mlp));
    assertRuns("mlpTrainB32", () -> bench.mlpTrainB32(mlp));
    assertRuns("mlpPredictB1", () -> bench.mlpPredictB1(mlp));
    InterpreterBench.TinyState tiny = new InterpreterBench.TinyState();
    tiny.setUp();
    tiny.reset();
    assertRuns("tinyTrainB1", () -> bench.tinyTrainB1(tiny));
    assertRuns("tinyPredictB1", () -> bench.tinyPredictB1(tiny));
  }

  @Test
  void encogBenchmarksRunAndTrain() {
    EncogBench bench = new EncogBench();
    EncogBench.MlpState mlp = new EncogBench.MlpState();
    mlp.setUp();
    mlp.reset();
    assertRuns("mlpTrainB1", () -> bench.mlpTrainB1(mlp));
    assertRuns("mlpTrainB32", () -> bench.mlpTrainB32(mlp));
    assertRuns("mlpPredictB1", () -> bench.mlpPredictB1(mlp));
    assertFalse(Arrays.equals(mlp.initial, mlp.net.getFlat().getWeights()), "training moved weights");
    EncogBench.TinyState tiny = new EncogBench.TinyState();
    tiny.setUp();
    tiny.reset();
    assertRuns("tinyTrainB1", () -> bench.tinyTrainB1(tiny));
    assertRuns("tinyPredictB1", () -> bench.tinyPredictB1(tiny));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void generatedClassesAreTheBenchmarkedNetworks(String backend) {
    GeneratedBench.MlpState gen = new GeneratedBench.MlpState();
    gen.backend = backend;
    gen.setUp();
    Interpreter interp = new Interpreter(BenchNetworks.mlp());
    assertEquals(interp.parameterCount(), gen.net.parameterCount());
    BenchData d = gen.b1;
    float[] got = new float[10];
    double[] want = new double[10];
    gen.net.predict(d.xs()[0], got);
    interp.predict(d.xsDouble()[0], want);
    for (int j = 0; j < 10; j++) {
      assertEquals(want[j], got[j], 1e-5, "output " + j);
    }
  }
}
