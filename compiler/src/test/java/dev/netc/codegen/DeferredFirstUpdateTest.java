package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.Frontend;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.testing.RandomNetworks;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A multi-layer perceptron's one-example step leaves its first layer's update pending and makes
 * it in the next step's forward pass, in the same pass over the weights
 * ({@code OnlineEmitter}). Here a class is stepped one example at a time, with every other
 * public method called in between at random (each must settle the pending update first),
 * against a twin of the same source that reads its parameters after every step, so that it
 * never takes the fused forward pass. Losses, predictions, parameters and optimizer state must
 * agree bit for bit: the fused pass sums each row in the forward kernel's order.
 */
class DeferredFirstUpdateTest {

  private static final String MLP = """
      network Deferred {
        input 37
        dense 21 ACTIVATION
        dense 12 relu
        dense 3 softmax
        loss cross_entropy
        optimizer OPTIMIZER
        init he(seed = 3)
        precision PRECISION
      }
      """;

  /** Small enough that the first layer's rows are written out (unrolled). */
  private static final String TINY = """
      network Deferred {
        input 4
        dense 16 ACTIVATION
        dense 3 sigmoid
        loss mse
        optimizer OPTIMIZER
        init xavier(seed = 3)
        precision PRECISION
      }
      """;

  /** A looped first layer of 4 inputs: rows shorter than a vector, all in the row's tail. */
  private static final String WIDE4 = """
      network Deferred {
        input 4
        dense 100 ACTIVATION
        dense 3 softmax
        loss cross_entropy
        optimizer OPTIMIZER
        init he(seed = 3)
        precision PRECISION
      }
      """;

  @ParameterizedTest
  @CsvSource({
      "VECTOR, MLP, relu, 'sgd(lr = 0.05, momentum = 0.9)', float, true",
      "VECTOR, MLP, tanh, 'sgd(lr = 0.05, momentum = 0.8, nesterov = true, "
          + "weight_decay = 0.001)', float, true",
      "VECTOR, MLP, sigmoid, 'adam(lr = 0.01, weight_decay = 0.01)', float, true",
      "VECTOR, MLP, leaky_relu, 'adam(lr = 0.01)', float, true",
      "VECTOR, MLP, relu, 'sgd(lr = 0.1)', double, true",
      "VECTOR, MLP-SPLIT, elu, 'sgd(lr = 0.05, momentum = 0.9)', float, true",
      "VECTOR, MLP, tanh, 'adam(lr = 0.01)', double, true",
      "SCALAR, MLP, relu, 'sgd(lr = 0.05, momentum = 0.9)', float, false",
      "SCALAR, TINY, tanh, 'sgd(lr = 0.1, momentum = 0.9)', float, true",
      "SCALAR, TINY, sigmoid, 'adam(lr = 0.01)', double, true",
      "VECTOR, TINY, tanh, 'sgd(lr = 0.1, momentum = 0.9)', float, true",
      "VECTOR, TINY, relu, 'adam(lr = 0.01)', double, true",
      "VECTOR, WIDE4, tanh, 'sgd(lr = 0.05, momentum = 0.9, weight_decay = 0.001)', float, true",
      "VECTOR, WIDE4, relu, 'adam(lr = 0.01)', double, true"})
  void pendingUpdatesGiveTheBitsOfUpdatingAtOnce(CodegenPolicy.Backend backend, String shape,
      String activation, String optimizer, String precision, boolean defers) {
    String source = (shape.equals("TINY") ? TINY : shape.equals("WIDE4") ? WIDE4 : MLP)
        .replace("ACTIVATION", activation)
        .replace("OPTIMIZER", optimizer).replace("PRECISION", precision);
    Network net = Frontend.compile("deferred.net", source).networks().get(0);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(backend);
    if (shape.endsWith("-SPLIT")) {
      // One layer per method: the step's and the forward pass's per-layer calls in helpers.
      policy = policy.withLayersPerMethod(1);
    }
    // The scalar backend defers only a first layer it writes out (its row loop is C2's to
    // vectorize); that case checks that a class that does not defer passes the same test.
    assertEquals(defers, EmitContext.of(net, policy).defersFirstUpdate(), "defers");
    List<Generated> pair =
        Generated.compile(List.of(net, net.withName("Twin")), "gen.deferred", policy);
    Object deferred = pair.get(0).instance();
    Object twin = pair.get(1).instance();
    Random rnd = new Random(11);
    for (int k = 0; k < 60; k++) {
      double[] x = RandomNetworks.inputs(rnd, net, 1);
      double[] t = RandomNetworks.targets(rnd, net, 1);
      String where = " at step " + k + " (" + source.lines().filter(l -> l.contains("dense"))
          .findFirst().orElse("") + ", " + optimizer + ", " + backend + ", " + precision + ")";
      // Between steps, sometimes another public method: each settles the pending update.
      switch (rnd.nextInt(12)) {
        case 0 -> assertArrayEquals(predict(twin, x), predict(deferred, x), "predict" + where);
        case 1 -> assertEquals(loss(twin, x, t), loss(deferred, x, t), "loss" + where);
        case 2 -> assertArrayEquals(parameters(twin), parameters(deferred), "parameters" + where);
        case 3 -> assertArrayEquals(state(twin), state(deferred), "state" + where);
        case 4 -> deferred = copy(deferred);
        case 5 -> {
          // A schedule's new rate: the pending update keeps the rate of its own step.
          double lr = 0.001 + rnd.nextDouble() * 0.05;
          setLearningRate(twin, lr);
          setLearningRate(deferred, lr);
        }
        default -> { }
      }
      double want = step(twin, x, t);
      parameters(twin); // settles: the twin never takes the fused forward pass
      assertEquals(want, step(deferred, x, t), "loss of the step" + where);
    }
    assertArrayEquals(parameters(twin), parameters(deferred), "parameters at the end");
    assertArrayEquals(state(twin), state(deferred), "optimizer state at the end");
  }

  private static double step(Object net, double[] x, double[] t) {
    if (net instanceof TrainableFloatNetwork f) {
      return f.trainBatch(Generated.narrow(x), Generated.narrow(t), 1);
    }
    return ((TrainableDoubleNetwork) net).trainBatch(x, t, 1);
  }

  private static double loss(Object net, double[] x, double[] t) {
    if (net instanceof TrainableFloatNetwork f) {
      return f.loss(Generated.narrow(x), Generated.narrow(t), 1);
    }
    return ((TrainableDoubleNetwork) net).loss(x, t, 1);
  }

  private static double[] predict(Object net, double[] x) {
    if (net instanceof TrainableFloatNetwork f) {
      float[] out = new float[f.outputSize()];
      f.predict(Generated.narrow(x), out);
      return Generated.widen(out);
    }
    TrainableDoubleNetwork d = (TrainableDoubleNetwork) net;
    double[] out = new double[d.outputSize()];
    d.predict(x, out);
    return out;
  }

  private static double[] parameters(Object net) {
    return new Generated(net, precision(net)).parameters();
  }

  private static double[] state(Object net) {
    return new Generated(net, precision(net)).optimizerState();
  }

  private static Object copy(Object net) {
    return net instanceof TrainableFloatNetwork f ? f.copy()
        : ((TrainableDoubleNetwork) net).copy();
  }

  private static void setLearningRate(Object net, double lr) {
    if (net instanceof TrainableFloatNetwork f) {
      f.setLearningRate(lr);
    } else {
      ((TrainableDoubleNetwork) net).setLearningRate(lr);
    }
  }

  private static Precision precision(Object net) {
    return net instanceof TrainableFloatNetwork ? Precision.FLOAT : Precision.DOUBLE;
  }
}
