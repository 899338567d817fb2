package dev.netc.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netc.Frontend;
import dev.netc.ir.Network;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The step-by-parts API a parallel trainer builds on: accumulateGradient, optimizerStep and copy
 * give exactly what trainBatch gives, in float and double precision, for SGD and Adam.
 */
class StepApiTest {
  private static Network network(String optimizer, String precision) {
    String src = "network N {\n input 4\n dense 5 tanh\n dense 3 softmax\n loss cross_entropy\n"
        + " optimizer " + optimizer + "\n precision " + precision + "\n}\n";
    return Frontend.compile("n.net", src).networks().get(0);
  }

  private static double[] params(Interpreter in) {
    double[] p = new double[in.parameterCount()];
    in.getParameters(p);
    return p;
  }

  @ParameterizedTest
  @ValueSource(strings = {"sgd(lr = 0.1, momentum = 0.9)|float", "adam(lr = 0.01)|double",
      "adam(lr = 0.01, weight_decay = 0.1)|float"})
  void gradientThenOptimizerStepIsTrainBatch(String spec) {
    String[] parts = spec.split("\\|");
    Network net = network(parts[0], parts[1]);
    Interpreter whole = new Interpreter(net);
    Interpreter parts2 = new Interpreter(net);
    Random rnd = new Random(3);
    double[] xs = new double[6 * 4];
    double[] ts = new double[6];
    double[] grad = new double[net.parameterCount()];
    for (int step = 0; step < 4; step++) {
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) rnd.nextGaussian();
      }
      for (int i = 0; i < ts.length; i++) {
        ts[i] = rnd.nextInt(3);
      }
      double a = whole.trainBatch(xs, ts, 6);
      java.util.Arrays.fill(grad, 0);
      double b = parts2.accumulateGradient(xs, ts, 6, grad);
      parts2.optimizerStep(grad);
      assertEquals(a, b);
      assertArrayEquals(params(whole), params(parts2));
    }
    // a copy carries the optimizer state: both take the same next step
    Interpreter copy = whole.copy();
    assertNotSame(whole, copy);
    whole.trainBatch(xs, ts, 6);
    copy.trainBatch(xs, ts, 6);
    assertArrayEquals(params(whole), params(copy));
    // and is independent of the original
    copy.trainBatch(xs, ts, 6);
    assertThrows(AssertionError.class, () -> assertArrayEquals(params(whole), params(copy)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"float", "double"})
  void accumulateGradientAddsTheBatchGradient(String precision) {
    Network net = network("sgd(lr = 0.1)", precision);
    Interpreter in = new Interpreter(net);
    double[] xs = {0.5, -1, 0.25, 2, 1, 1, -0.5, 0};
    double[] ts = {2, 0};
    double[] once = new double[net.parameterCount()];
    double loss = in.gradient(xs, ts, 2, once);
    double[] sum = new double[once.length];
    assertEquals(loss, in.accumulateGradient(xs, ts, 2, sum));
    assertArrayEquals(once, sum);
    in.accumulateGradient(xs, ts, 2, sum);
    for (int i = 0; i < once.length; i++) {
      assertEquals(net.precision().round(once[i] + once[i]), sum[i]);
    }
    assertThrows(IllegalArgumentException.class,
        () -> in.accumulateGradient(xs, ts, 2, new double[3]));
    assertThrows(IllegalArgumentException.class, () -> in.optimizerStep(new double[3]));
  }
}
