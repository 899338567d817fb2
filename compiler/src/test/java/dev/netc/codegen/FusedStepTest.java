package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.ir.Network;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A mini-batch class's {@code trainBatch} applies the optimizer inside the last chunk's backward
 * pass and leaves the gradient buffers zero for the next batch, which then skips zeroing them
 * ({@code BatchEmitter.backwardStep}). Here that class is stepped through every path that reads
 * or writes those buffers, in turns (fused steps of one and of several chunks, {@code gradient},
 * {@code accumulateGradient}, {@code optimizerStep}), against a twin that only ever takes the
 * unfused path ({@code gradient}, then {@code optimizerStep}): the parameters and the optimizer
 * state must agree bit for bit after every step. A path that trusted stale buffers, or a fused
 * update that read a weight after changing it, would show up as a difference.
 */
class FusedStepTest {

  private static final String SOURCE = """
      network Fused {
        input INPUTS
        dense 40 relu
        dense 24 tanh
        dense 3 softmax
        loss cross_entropy
        optimizer OPTIMIZER
        init he(seed = 5)
        precision float
      }
      """;

  @ParameterizedTest
  @CsvSource({
      "SCALAR, 'sgd(lr = 0.05, momentum = 0.9)'",
      "VECTOR, 'sgd(lr = 0.05, momentum = 0.9)'",
      "SCALAR, 'sgd(lr = 0.05, momentum = 0.8, nesterov = true, weight_decay = 0.001)'",
      "VECTOR, 'adam(lr = 0.01, weight_decay = 0.01)'",
      "SCALAR, 'adam(lr = 0.01)'",
      "VECTOR, 'sgd(lr = 0.1)'"})
  void fusedStepsAgreeWithGradientThenOptimizerStep(CodegenPolicy.Backend backend,
      String optimizer) throws Exception {
    check(CodegenPolicy.defaults().withBackend(backend), optimizer, 9);
  }

  /**
   * The vector backend's ∂W of the first layer deferred over a batch of several chunks
   * (VectorBatchKernels.deferredGradient): 61 inputs take the packed tiles (three blocks of the
   * narrow tiles' 16 columns or one of the wide tiles' 48), single vectors and single columns,
   * and 40 rows a block of single rows under the narrow tiles' 6.
   */
  @ParameterizedTest
  @CsvSource({
      "NARROW, 'sgd(lr = 0.05, momentum = 0.9)'",
      "WIDE, 'sgd(lr = 0.05, momentum = 0.8, nesterov = true, weight_decay = 0.001)'",
      "NARROW, 'adam(lr = 0.01, weight_decay = 0.01)'",
      "WIDE, 'sgd(lr = 0.1)'"})
  void deferredFirstLayerGradientAgrees(CodegenPolicy.RegisterTiles tiles, String optimizer)
      throws Exception {
    check(CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)
        .withRegisterTiles(tiles), optimizer, 61);
  }

  private static void check(CodegenPolicy base, String optimizer, int inputs) throws Exception {
    Network net = Frontend.compile("fused.net", SOURCE.replace("OPTIMIZER", optimizer)
        .replace("INPUTS", String.valueOf(inputs))).networks().get(0);
    // Chunks of 4 examples: a batch of 11 takes three chunks, the last one fused.
    CodegenPolicy policy = base.withChunk(4);
    assertTrue(policy.batched(net), "the test network must take the mini-batch path");
    List<Generated> pair =
        Generated.compile(List.of(net, net.withName("Twin")), "gen.fused", policy);
    TrainableFloatNetwork fused = (TrainableFloatNetwork) pair.get(0).instance();
    TrainableFloatNetwork twin = (TrainableFloatNetwork) pair.get(1).instance();
    Random rnd = new Random(17);
    int p = net.parameterCount();
    // The paths of the class under test: each of the others right after a fused step (which
    // left the buffers zero), and fused steps right after paths that left them dirty.
    String[] paths = {"fused", "fused", "gradient", "fused", "accumulate", "fused", "dirty",
        "fused", "external", "fused", "fused"};
    int[] sizes = {3, 11, 5, 4, 7, 2, 6, 9, 5, 8, 12};
    for (int k = 0; k < paths.length; k++) {
      int n = sizes[k];
      float[] xs = new float[n * inputs];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = rnd.nextFloat() * 2 - 1;
      }
      float[] labels = new float[n];
      for (int i = 0; i < n; i++) {
        labels[i] = rnd.nextInt(3);
      }
      float[] want = new float[p];
      float wantLoss = twin.gradient(xs, labels, n, want);
      twin.optimizerStep(want);
      float loss;
      switch (paths[k]) {
        case "fused" -> loss = fused.trainBatch(xs, labels, n);
        case "gradient" -> {
          float[] g = new float[p];
          loss = fused.gradient(xs, labels, n, g);
          fused.optimizerStep(g);
        }
        case "accumulate" -> {
          // Into zeros: the batch's gradient, which the fused step's zeroed buffers must give.
          float[] g = new float[p];
          loss = fused.accumulateGradient(xs, labels, n, g);
          assertArrayEquals(want, g, "accumulated gradient at step " + k);
          fused.optimizerStep(g);
        }
        case "external" -> {
          // A caller's own gradient (the twin's, from the same parameters): optimizerStep
          // copies it into the buffers, which the next fused step must zero again.
          fused.optimizerStep(Arrays.copyOf(want, p));
          loss = wantLoss;
        }
        default -> {
          // gradient alone (parameters unchanged) leaves its sums in the buffers: the fused
          // step right after it must zero them again.
          float[] other = new float[p];
          fused.gradient(Arrays.copyOf(xs, inputs), new float[] {labels[0]}, 1, other);
          loss = fused.trainBatch(xs, labels, n);
        }
      }
      assertEquals(wantLoss, loss, "loss at step " + k + " (" + paths[k] + ")");
      assertArrayEquals(parameters(twin), parameters(fused),
          "parameters after step " + k + " (" + paths[k] + ", batch " + n + ")");
      assertArrayEquals(state(twin), state(fused),
          "optimizer state after step " + k + " (" + paths[k] + ")");
    }
  }

  private static float[] parameters(TrainableFloatNetwork n) {
    float[] p = new float[n.parameterCount()];
    n.getParameters(p);
    return p;
  }

  private static float[] state(TrainableFloatNetwork n) {
    int size = n.optimizerStateLayout().stream().mapToInt(t -> t.size()).sum();
    float[] s = new float[size];
    n.getOptimizerState(s);
    return s;
  }
}
