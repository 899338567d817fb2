package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.ir.Network;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A convolution before a max pool whose input delta runs over the pool's maxima reads a copy of
 * its weights in another order, which the class makes once per batch ({@code
 * LayerEmitter.prepareBackward}), not once per example. A copy left from an earlier call would
 * give another input delta, so another gradient for the layers before it: here every training
 * entry point (a mini-batch with class indices or with target values, a one-example step, the
 * gradient alone, an accumulated gradient) runs after the weights changed through another one
 * (or through {@code optimizerStep} and {@code setParameters}), and must give the bits of a fresh
 * instance given the same parameters and optimizer state, whose copy cannot be stale.
 */
class PooledWeightCopyTest {

  /**
   * conv2's kernel rows (2 columns × 8 channels) fill a 512-bit vector of floats, so its
   * backward pass runs over the pool's maxima; it has a layer before it, so an input delta.
   */
  private static final String SOURCE = """
      network Copies {
        input 2x9x9
        conv2d 8 3x3 (padding = same) relu
        conv2d 6 2x2 relu
        maxpool 2x2
        dense 3 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.05, momentum = 0.9)
        init he(seed = 5)
        precision float
      }
      """;

  enum Plan {
    V256(KernelPlan.V256), V512(KernelPlan.V512);

    final KernelPlan plan;

    Plan(KernelPlan plan) {
      this.plan = plan;
    }
  }

  @ParameterizedTest
  @EnumSource(Plan.class)
  void everyEntryPointReadsThisBatchsWeights(Plan plan) throws Exception {
    Network net = Frontend.compile("copies.net", SOURCE).networks().get(0);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)
        .withPlan(plan.plan);
    assertTrue(JavaGenerator.generate(net, "gen.copies", policy).toString()
        .contains("conv2PrepareBackward();"), "the form under test is not generated");
    TrainableFloatNetwork a = (TrainableFloatNetwork) Generated.compile(List.of(net),
        "gen.copies." + plan.name().toLowerCase(java.util.Locale.ROOT), policy).get(0)
        .instance();
    Random rnd = new Random(17);
    for (int round = 0; round < 3; round++) {
      for (String entry : List.of("trainBatch labels", "trainStep", "optimizerStep",
          "trainBatch targets", "gradient", "setParameters", "accumulateGradient",
          "trainBatch labels")) {
        TrainableFloatNetwork b = freshCopy(a);
        int n = 1 + rnd.nextInt(5);
        float[] xs = values(rnd, n * net.inputSize());
        int[] labels = new int[n];
        float[] targets = new float[n];
        for (int e = 0; e < n; e++) {
          labels[e] = rnd.nextInt(3);
          targets[e] = labels[e];
        }
        float[] ga = new float[net.parameterCount()];
        float[] gb = new float[net.parameterCount()];
        float[] change = values(rnd, net.parameterCount());
        for (int i = 0; i < change.length; i++) {
          change[i] *= 0.1f;
        }
        String what = entry + " in round " + round + " (" + plan + ")";
        switch (entry) {
          case "trainBatch labels" -> assertEquals(trainBatch(b, xs, labels, n),
              trainBatch(a, xs, labels, n), what);
          case "trainStep" -> assertEquals(trainStep(b, xs, labels[0]),
              trainStep(a, xs, labels[0]), what);
          case "trainBatch targets" -> assertEquals(b.trainBatch(xs, targets, n),
              a.trainBatch(xs, targets, n), what);
          case "gradient" -> assertEquals(b.gradient(xs, targets, n, gb),
              a.gradient(xs, targets, n, ga), what);
          case "accumulateGradient" -> assertEquals(b.accumulateGradient(xs, targets, n, gb),
              a.accumulateGradient(xs, targets, n, ga), what);
          case "optimizerStep" -> {
            a.optimizerStep(change);
            b.optimizerStep(change);
          }
          case "setParameters" -> {
            float[] p = new float[net.parameterCount()];
            a.getParameters(p);
            for (int i = 0; i < p.length; i++) {
              p[i] += change[i];
            }
            a.setParameters(p);
            b.setParameters(p);
          }
          default -> throw new IllegalStateException(entry);
        }
        assertArrayEquals(gb, ga, "gradient of " + what);
        assertArrayEquals(parameters(b), parameters(a), "parameters after " + what);
      }
    }
  }

  /** A new instance of {@code a}'s class with its parameters and optimizer state. */
  private static TrainableFloatNetwork freshCopy(TrainableFloatNetwork a) throws Exception {
    TrainableFloatNetwork b = (TrainableFloatNetwork) a.getClass().getConstructor()
        .newInstance();
    b.setParameters(parameters(a));
    float[] state = new float[a.optimizerStateLayout().stream()
        .mapToInt(s -> s.size()).sum()];
    a.getOptimizerState(state);
    b.setOptimizerState(state);
    b.setOptimizerStepCount(a.optimizerStepCount());
    return b;
  }

  private static float[] parameters(TrainableFloatNetwork n) {
    float[] p = new float[n.parameterCount()];
    n.getParameters(p);
    return p;
  }

  private static float[] values(Random rnd, int count) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = rnd.nextFloat() * 2 - 1;
    }
    return v;
  }

  private static float trainBatch(TrainableFloatNetwork n, float[] xs, int[] labels, int count)
      throws Exception {
    return (Float) n.getClass().getMethod("trainBatch", float[].class, int[].class, int.class)
        .invoke(n, xs, labels, count);
  }

  private static float trainStep(TrainableFloatNetwork n, float[] xs, int label)
      throws Exception {
    float[] x = java.util.Arrays.copyOf(xs, n.inputSize());
    return (Float) n.getClass().getMethod("trainStep", float[].class, int.class)
        .invoke(n, x, label);
  }
}
