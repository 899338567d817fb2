package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.Frontend;
import dev.netc.ir.Network;
import dev.netc.testing.RandomNetworks;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * In networks whose every layer is written out, the vector backend's class runs the scalar
 * class's one-example step, so it must train to the same bits: the loss of every step, the
 * parameters and the optimizer state, through the fused forward pass of the next example (two
 * layers) and without it (one layer), for first layers of 1, 2, 4 and 8 inputs. (A first layer
 * updated in vectors of whole rows was built on this test and reverted: its vector operations
 * pushed the tiny network's step past C2's trap budget, and the step boxed; docs/performance.md,
 * twenty-fifth session.)
 */
class WrittenOutVectorBitsTest {

  private static final String SOURCE = """
      network First {
        input IN
        LAYERS
        optimizer OPTIMIZER
        init xavier(seed = 5)
        precision PRECISION
      }
      """;

  @ParameterizedTest
  @CsvSource({
      "4, 'dense 16 tanh\ndense 3 softmax\nloss cross_entropy', 'sgd(lr = 0.1, momentum = 0.9)', "
          + "float",
      "1, 'dense 16 relu\ndense 3 softmax\nloss cross_entropy', 'sgd(lr = 0.05)', float",
      "2, 'dense 16 sigmoid\ndense 2 sigmoid\nloss mse', "
          + "'sgd(lr = 0.1, momentum = 0.8, nesterov = true, weight_decay = 0.01)', float",
      "8, 'dense 16 tanh\ndense 3 softmax\nloss cross_entropy', "
          + "'adam(lr = 0.01, weight_decay = 0.001)', float",
      "4, 'dense 20 sigmoid\nloss mse', 'sgd(lr = 0.2, momentum = 0.9)', float",
      "8, 'dense 32 tanh\nloss mse', 'adam(lr = 0.01)', float",
      "2, 'dense 16 tanh\ndense 3 softmax\nloss cross_entropy', 'sgd(lr = 0.1, momentum = 0.9)', "
          + "double",
      "4, 'dense 20 sigmoid\nloss mse', 'adam(lr = 0.01, weight_decay = 0.01)', double"})
  void vectorClassTrainsToTheScalarBits(int in, String layers, String optimizer,
      String precision) {
    String source = SOURCE.replace("IN", String.valueOf(in)).replace("LAYERS", layers)
        .replace("OPTIMIZER", optimizer).replace("PRECISION", precision);
    Network net = Frontend.compile("first.net", source).networks().get(0);
    CodegenPolicy vector = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    net.layers().forEach(l -> assertEquals(CodegenPolicy.Kernel.UNROLLED, vector.kernel(l),
        "every layer written out"));
    Generated scalar = Generated.compile(List.of(net), "gen.first.s",
        CodegenPolicy.defaults()).get(0);
    Generated vectorNet = Generated.compile(List.of(net), "gen.first.v", vector).get(0);
    Random rnd = new Random(17);
    for (int k = 0; k < 80; k++) {
      double[] x = RandomNetworks.inputs(rnd, net, 1);
      double[] t = RandomNetworks.targets(rnd, net, 1);
      assertEquals(scalar.trainBatch(x, t, 1), vectorNet.trainBatch(x, t, 1), "loss of step " + k);
    }
    assertArrayEquals(scalar.parameters(), vectorNet.parameters(), "parameters");
    assertArrayEquals(scalar.optimizerState(), vectorNet.optimizerState(), "optimizer state");
  }
}
