package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
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
    assertTrained(mlp);

    GeneratedBench.TinyState tiny = new GeneratedBench.TinyState();
    tiny.backend = backend;
    tiny.setUp();
    tiny.reset();
    assertRuns("tinyTrainB1", () -> bench.tinyTrainB1(tiny));
    assertRuns("tinyPredictB1", () -> bench.tinyPredictB1(tiny));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void generatedCnnBenchmarksRunAndTrain(String backend) {
    GeneratedBench bench = new GeneratedBench();
    var lenet = GeneratedBench.Cnn.ready(new GeneratedBench.LeNet5State(), backend);
    assertRuns("lenet5PredictB1", () -> bench.lenet5PredictB1(lenet));
    assertRuns("lenet5TrainB32", () -> bench.lenet5TrainB32(lenet));
    assertTrained(lenet);
    var small = GeneratedBench.Cnn.ready(new GeneratedBench.SmallCnnState(), backend);
    assertRuns("smallCnnPredictB1", () -> bench.smallCnnPredictB1(small));
    assertRuns("smallCnnTrainB32", () -> bench.smallCnnTrainB32(small));
    assertTrained(small);
  }

  /** Training changed the parameters and {@code reset} restores them. */
  private static void assertTrained(GeneratedBench.Net s) {
    float[] after = new float[s.net.parameterCount()];
    s.net.getParameters(after);
    assertFalse(Arrays.equals(s.initial, after), "training changed the parameters");
    s.reset();
    s.net.getParameters(after);
    assertArrayEquals(s.initial, after, "reset restored the parameters");
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
    GeneratedBench.MlpState mlp = new GeneratedBench.MlpState();
    mlp.backend = backend;
    mlp.setUp();
    assertPredictsAsInterpreter(mlp, BenchNetworks.mlp(), mlp.b1);
    var lenet = GeneratedBench.Cnn.ready(new GeneratedBench.LeNet5State(), backend);
    assertPredictsAsInterpreter(lenet, BenchNetworks.lenet5(), lenet.b1);
    var small = GeneratedBench.Cnn.ready(new GeneratedBench.SmallCnnState(), backend);
    assertPredictsAsInterpreter(small, BenchNetworks.smallCnn(), small.b1);
  }

  private static void assertPredictsAsInterpreter(
      GeneratedBench.Net gen, Network network, BenchData d) {
    Interpreter interp = new Interpreter(network);
    assertEquals(interp.parameterCount(), gen.net.parameterCount());
    float[] got = new float[10];
    double[] want = new double[10];
    gen.net.predict(d.xs()[0], got);
    interp.predict(d.xsDouble()[0], want);
    for (int j = 0; j < 10; j++) {
      assertEquals(want[j], got[j], 1e-5, network.name() + " output " + j);
    }
  }

  @Test
  void flopsAreCountedFromTheLayerShapes() {
    // docs/performance.md's hand count for the MLP; issue 14's 0.56 and 2.4 MFLOP for the CNNs.
    assertEquals(1_007_104, Flops.training(BenchNetworks.mlp()));
    assertEquals(469_504, Flops.forward(BenchNetworks.mlp()));
    assertEquals(172_800 + 307_200 + 2 * (256 * 120 + 120 * 84 + 84 * 10),
        Flops.forward(BenchNetworks.lenet5()));
    assertEquals(225_792 + 1_806_336 + 2 * (1568 * 128 + 128 * 10),
        Flops.forward(BenchNetworks.smallCnn()));
    // Training: no input delta for conv1, 3x forward for every other weighted layer.
    assertEquals(3 * Flops.forward(BenchNetworks.smallCnn()) - 225_792,
        Flops.training(BenchNetworks.smallCnn()));
    assertEquals(Flops.forward(BenchNetworks.lenet5()),
        Flops.perBenchmark().get("lenet5PredictB1"));
  }
}
