package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.testing.RandomNetworks;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A CNN whose dense layer is large enough ({@link DenseEmitter#DEFER_MIN_WEIGHTS}) for the vector
 * backend to defer its weight gradient: examples' inputs and deltas are kept and added a chunk at
 * a time by the batched kernel, and whatever is left when the batch ends is settled. Gradients
 * and trained parameters must equal the interpreter's for a single example, a batch that fills
 * the chunk (64) and goes on, and several steps in a row (kept rows must not leak into the next
 * batch).
 */
class DeferredDenseGradientTest {

  private static final String SOURCE = """
      network Deferred {
        input 1x12x12
        conv2d 8 3x3 (padding = same) relu
        maxpool 2x2
        dense 64 relu as wide
        dense 3 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.05, momentum = 0.9)
        init he(seed = 5)
        precision %s
      }
      """;

  /**
   * A dense layer after a conv layer whose weights exceed {@link
   * VectorBatchKernels#GROUPED_ROWS_MIN_BYTES}: its one-example Δ_prev streams 4 weight rows at a
   * time and leaves out the rows whose delta is zero (about half, behind the relu).
   */
  private static final String GROUPED = """
      network Grouped {
        input 1x8x8
        conv2d 32 3x3 (padding = same) relu
        dense 40 relu as wide
        dense 3 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.05, momentum = 0.9)
        init he(seed = 7)
        precision %s
      }
      """;

  @ParameterizedTest
  @EnumSource(Precision.class)
  void deferredGradientsEqualTheInterpreter(Precision precision) {
    Network net = Frontend.compile("deferred.net",
        SOURCE.formatted(precision.javaType())).networks().get(0);
    assertTrue(net.layers().get(2).weightCount() >= DenseEmitter.DEFER_MIN_WEIGHTS);
    check(net, precision);
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void groupedDeltaRowsEqualTheInterpreter(Precision precision) {
    Network net = Frontend.compile("grouped.net",
        GROUPED.formatted(precision.javaType())).networks().get(0);
    assertTrue((long) net.layers().get(1).weightCount() * (precision == Precision.FLOAT ? 4 : 8)
        > VectorBatchKernels.GROUPED_ROWS_MIN_BYTES);
    check(net, precision);
  }

  /** Gradients, losses and parameters after training steps, against the interpreter. */
  private static void check(Network net, Precision precision) {
    for (CodegenPolicy.Backend backend : CodegenPolicy.Backend.values()) {
      Generated gen = Generated.compile(List.of(net), "gen.deferred",
          CodegenPolicy.defaults().withBackend(backend)).get(0);
      Interpreter ref = new Interpreter(net);
      Tolerance tol = Tolerance.of(precision);
      Random rnd = new Random(21);
      for (int n : new int[] {1, 70}) {
        double[] xs = RandomNetworks.inputs(rnd, net, n);
        double[] ts = RandomNetworks.targets(rnd, net, n);
        double[] grad = new double[net.parameterCount()];
        double[] want = new double[grad.length];
        tol.check(backend + " loss, batch " + n, gen.gradient(xs, ts, n, grad),
            ref.gradient(xs, ts, n, want));
        tol.check(backend + " gradient, batch " + n, grad, want);
      }
      for (int step = 0; step < 3; step++) {
        double[] xs = RandomNetworks.inputs(rnd, net, 70);
        double[] ts = RandomNetworks.targets(rnd, net, 70);
        tol.check(backend + " loss of step " + step, gen.trainBatch(xs, ts, 70),
            ref.trainBatch(xs, ts, 70));
      }
      double[] want = new double[net.parameterCount()];
      ref.getParameters(want);
      tol.check(backend + " parameters after three steps", gen.parameters(), want);
    }
  }
}
