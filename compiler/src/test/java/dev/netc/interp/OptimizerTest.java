package dev.netc.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netc.ir.Activation;
import dev.netc.ir.Dense;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.WeightInit;
import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several optimizer steps against the torch.optim update rules written out independently here,
 * with the gradient at each step taken from a second interpreter at the expected parameters.
 */
class OptimizerTest {
  private static final int STEPS = 6;
  private static final double[] XS = {0.5, -1.0, 1.5, 0.25, -0.75, 2.0};
  private static final double[] TS = {0.3, -0.2, 0.8};

  static Stream<Arguments> optimizers() {
    return Stream.of(
        Arguments.of("sgd", new Optimizer.Sgd(0.1, 0, false, 0)),
        Arguments.of("sgd weight decay", new Optimizer.Sgd(0.1, 0, false, 0.05)),
        Arguments.of("sgd momentum", new Optimizer.Sgd(0.05, 0.9, false, 0)),
        Arguments.of("sgd nesterov", new Optimizer.Sgd(0.05, 0.9, true, 0)),
        Arguments.of("sgd nesterov weight decay", new Optimizer.Sgd(0.05, 0.8, true, 0.01)),
        Arguments.of("adam", new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 0)),
        Arguments.of("adam weight decay", new Optimizer.Adam(0.02, 0.8, 0.99, 1e-6, 0.1)));
  }

  /** A 2 → 3 tanh → 1 network with mse, small enough that each step is easy to follow. */
  static Network tiny(Optimizer optimizer) {
    return new Network("tiny", "tiny.net", 2,
        List.of(new Dense("dense1", 0, 2, 3, new Activation.Tanh(),
                new WeightInit(Init.Scheme.XAVIER, 0)),
            new Dense("dense2", 1, 3, 1, new Activation.Identity(),
                new WeightInit(Init.Scheme.XAVIER, 0))),
        Optional.of(new Loss.Mse(LossReduction.MEAN)), optimizer, 7L, Precision.DOUBLE);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("optimizers")
  void stepsFollowTorchFormulas(String name, Optimizer optimizer) {
    Network net = tiny(optimizer);
    Interpreter trained = new Interpreter(net);
    Interpreter probe = new Interpreter(net);
    double[] theta = Interpreter.initialParameters(net);
    Expected expected = new Expected(optimizer, theta.length);
    double[] g = new double[theta.length];
    double[] actual = new double[theta.length];
    for (int t = 1; t <= STEPS; t++) {
      probe.setParameters(theta);
      double lossBefore = probe.gradient(XS, TS, 3, g);
      assertEquals(lossBefore, trained.trainBatch(XS, TS, 3), 1e-14, "loss before step " + t);
      expected.step(theta, g);
      trained.getParameters(actual);
      assertArrayEquals(theta, actual, 1e-14, name + " step " + t);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("optimizers")
  void resetForgetsTheState(String name, Optimizer optimizer) {
    Network net = tiny(optimizer);
    Interpreter a = new Interpreter(net);
    a.trainBatch(XS, TS, 3);
    a.trainBatch(XS, TS, 3);
    double[] theta = new double[net.parameterCount()];
    a.getParameters(theta);
    a.resetOptimizer();
    Interpreter fresh = new Interpreter(net, theta);
    double[] pa = new double[theta.length];
    double[] pf = new double[theta.length];
    for (int t = 0; t < 3; t++) {
      a.trainBatch(XS, TS, 3);
      fresh.trainBatch(XS, TS, 3);
    }
    a.getParameters(pa);
    fresh.getParameters(pf);
    assertArrayEquals(pf, pa, 0.0, name);
  }

  @Test
  void stateMattersWithMomentum() {
    // Guards the tests above against an optimizer that silently ignores its state.
    Network net = tiny(new Optimizer.Sgd(0.05, 0.9, false, 0));
    Interpreter kept = new Interpreter(net);
    Interpreter reset = new Interpreter(net);
    for (int t = 0; t < 3; t++) {
      kept.trainBatch(XS, TS, 3);
      reset.trainBatch(XS, TS, 3);
      reset.resetOptimizer();
    }
    double[] pk = new double[net.parameterCount()];
    double[] pr = new double[pk.length];
    kept.getParameters(pk);
    reset.getParameters(pr);
    assertNotEquals(pk[0], pr[0]);
  }

  @Test
  void inferenceOnlyNetworkCannotTrain() {
    Network n = tiny(new Optimizer.Sgd(0.1, 0, false, 0));
    Network inference = new Network(n.name(), n.sourceFile(), n.inputSize(), n.layers(),
        Optional.empty(), n.optimizer(), n.seed(), n.precision());
    Interpreter in = new Interpreter(inference);
    double[] out = new double[1];
    in.predict(new double[] {1, 2}, out);
    assertThrows(IllegalStateException.class, () -> in.trainBatch(XS, TS, 3));
    assertThrows(IllegalStateException.class, () -> in.loss(XS, TS, 3));
    assertThrows(IllegalStateException.class, () -> in.gradient(XS, TS, 3, new double[13]));
    assertThrows(IllegalStateException.class, in::resetOptimizer);
  }

  /** torch.optim's update rules in double, as in the PyTorch documentation, without rounding. */
  private static final class Expected {
    private final Optimizer optimizer;
    private final double[] buf;
    private final double[] m;
    private final double[] v;
    private int t;

    Expected(Optimizer optimizer, int n) {
      this.optimizer = optimizer;
      this.buf = new double[n];
      this.m = new double[n];
      this.v = new double[n];
    }

    void step(double[] theta, double[] grad) {
      t++;
      for (int i = 0; i < theta.length; i++) {
        double g = grad[i] + optimizer.weightDecay() * theta[i];
        if (optimizer instanceof Optimizer.Sgd sgd) {
          if (sgd.momentum() != 0) {
            buf[i] = t == 1 ? g : sgd.momentum() * buf[i] + g;
            g = sgd.nesterov() ? g + sgd.momentum() * buf[i] : buf[i];
          }
          theta[i] -= sgd.lr() * g;
        } else {
          Optimizer.Adam adam = (Optimizer.Adam) optimizer;
          m[i] = adam.beta1() * m[i] + (1 - adam.beta1()) * g;
          v[i] = adam.beta2() * v[i] + (1 - adam.beta2()) * g * g;
          double stepSize = adam.lr() / (1 - Math.pow(adam.beta1(), t));
          double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(adam.beta2(), t)) + adam.eps();
          theta[i] -= stepSize * m[i] / denom;
        }
      }
    }
  }
}
