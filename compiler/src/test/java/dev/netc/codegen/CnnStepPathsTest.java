package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.Frontend;
import dev.netc.ir.Network;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one-example step of a CNN class ({@code trainStep(x, label)}) and a mini-batch of one
 * ({@code trainBatch}) are the same computation, step after step: the vector backend keeps conv
 * weight gradients per lane during a batch and settles them before the update, so a path that
 * forgot to settle, or left lanes uncleared for the next batch, would drift apart here.
 */
class CnnStepPathsTest {

  private static final String SOURCE = """
      network Steps {
        input 2x9x9
        conv2d 5 3x3 (padding = same) relu
        maxpool 2x2
        conv2d 6 2x2 (stride = 2) tanh
        dense 4 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.05, momentum = 0.9)
        init he(seed = 3)
        precision float
      }
      """;

  @ParameterizedTest
  @EnumSource(CodegenPolicy.Backend.class)
  void trainStepEqualsATrainBatchOfOne(CodegenPolicy.Backend backend) throws Exception {
    Network net = Frontend.compile("steps.net", SOURCE).networks().get(0);
    List<Generated> pair = Generated.compile(List.of(net, net.withName("Steps2")), "gen.steps",
        CodegenPolicy.defaults().withBackend(backend));
    TrainableFloatNetwork single = (TrainableFloatNetwork) pair.get(0).instance();
    TrainableFloatNetwork batch = (TrainableFloatNetwork) pair.get(1).instance();
    Random rnd = new Random(11);
    for (int step = 0; step < 4; step++) {
      float[] x = new float[net.inputSize()];
      for (int i = 0; i < x.length; i++) {
        x[i] = rnd.nextFloat() * 2 - 1;
      }
      int label = rnd.nextInt(4);
      float a = (Float) single.getClass().getMethod("trainStep", float[].class, int.class)
          .invoke(single, x, label);
      float b = (Float) batch.getClass().getMethod("trainBatch", float[].class, int[].class,
          int.class).invoke(batch, x, new int[] {label}, 1);
      assertEquals(b, a, "loss of step " + step);
      float[] pa = new float[net.parameterCount()];
      float[] pb = new float[net.parameterCount()];
      single.getParameters(pa);
      batch.getParameters(pb);
      assertArrayEquals(pb, pa, "parameters after step " + step);
    }
  }
}
