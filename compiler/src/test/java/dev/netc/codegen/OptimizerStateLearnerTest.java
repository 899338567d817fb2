package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.train.Learner;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The learning-rate and optimizer-state API (docs: API-optimizer-state) on generated classes of
 * both backends and precisions and on the interpreter, for every optimizer form: state moved to a
 * fresh network makes it take bit-identically the next step, and a set learning rate trains as
 * that rate written in the .net file.
 */
class OptimizerStateLearnerTest {
  private static final String[] OPTIMIZERS = {"sgd(lr = 0.1)", "sgd(lr = 0.1, momentum = 0.9)",
      "sgd(lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 0.01)",
      "adam(lr = 0.01)", "adam(lr = 0.01, weight_decay = 0.1)"};

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    for (String opt : OPTIMIZERS) {
      for (String precision : new String[] {"float", "double"}) {
        for (String engine : new String[] {"scalar", "vector", "interpreter"}) {
          all.add(Arguments.of(opt, precision, engine));
        }
      }
    }
    return all.stream();
  }

  private static Network network(String optimizer, String precision) {
    String src = "network N {\n input 6\n dense 5 tanh as h\n dense 3 softmax as out\n"
        + " loss cross_entropy\n optimizer " + optimizer + "\n precision " + precision
        + "\n init xavier(seed = 4)\n}\n";
    return Frontend.compile("n.net", src).networks().get(0);
  }

  /** A fresh trainable instance: an interpreter, or the generated class. */
  private static Object create(Network net, String engine) {
    if (engine.equals("interpreter")) {
      return new Interpreter(net);
    }
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(
        CodegenPolicy.Backend.parse(engine));
    return Generated.compile(List.of(net), "state." + engine, policy).get(0).instance();
  }

  private static Learner learner(Object o) {
    return o instanceof TrainableFloatNetwork f ? Learner.of(f, LossReduction.MEAN)
        : Learner.of((TrainableDoubleNetwork) o, LossReduction.MEAN);
  }

  private static Dataset data(Precision p) {
    Random rnd = new Random(5);
    double[] xs = new double[20 * 6];
    double[] ts = new double[20];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < ts.length; i++) {
      ts[i] = rnd.nextInt(3);
    }
    Dataset d = Dataset.ofDoubles(xs, ts, 6, 1, 3);
    return p == Precision.FLOAT ? d.as(Dataset.Type.FLOAT) : d;
  }

  /** Steps on batches of 7, 1 (the online path) and 5 rows. */
  private static void train(Learner l, Dataset data, int[] order) {
    Dataset d = data.as(l.dataType());
    l.trainBatch(d, order, 0, 7);
    l.trainBatch(d, order, 7, 1);
    l.trainBatch(d, order, 8, 5);
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("cases")
  void movedStateTakesTheSameNextStep(String optimizer, String precision, String engine) {
    Network net = network(optimizer, precision);
    Dataset d = data(net.precision());
    int[] order = d.order();
    Object a = create(net, engine);
    Learner la = learner(a);
    train(la, d, order);
    la.setLearningRate(0.02);
    train(la, d, order);
    Learner lb = learner(create(net, engine));
    lb.setParameterTensors(la.parameterTensors());
    lb.restore(la.optimizerSnapshot());
    assertEquals(6, lb.optimizerSnapshot().steps());
    assertEquals(0.02, lb.learningRate());
    train(la, d, order);
    train(lb, d, order);
    assertArrayEquals(la.parameters(), lb.parameters());
    assertEquals(la.optimizerSnapshot(), lb.optimizerSnapshot());
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("cases")
  void aSetRateTrainsAsTheSameRateInTheNetFile(String optimizer, String precision,
      String engine) {
    Network net = network(optimizer, precision);
    Network slower = network(optimizer.replace("lr = 0.1", "lr = 0.03")
        .replace("lr = 0.01", "lr = 0.03"), precision);
    Dataset d = data(net.precision());
    Learner set = learner(create(net, engine));
    set.setLearningRate(0.03);
    Learner written = learner(create(slower, engine));
    train(set, d, d.order());
    train(written, d, d.order());
    assertArrayEquals(written.parameters(), set.parameters());
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("cases")
  void layoutNamesLengthsAndArguments(String optimizer, String precision, String engine) {
    Object o = create(network(optimizer, precision), engine);
    List<TensorSpec> layout = o instanceof TrainableFloatNetwork f ? f.optimizerStateLayout()
        : ((TrainableDoubleNetwork) o).optimizerStateLayout();
    List<String> buffers = optimizer.startsWith("adam") ? List.of("exp_avg", "exp_avg_sq")
        : optimizer.contains("momentum") ? List.of("momentum_buffer") : List.of();
    List<String> expected = new ArrayList<>();
    int offset = 0;
    List<TensorSpec> expectedSpecs = new ArrayList<>();
    for (String p : List.of("h.weight", "h.bias", "out.weight", "out.bias")) {
      int[] shape = switch (p) {
        case "h.weight" -> new int[] {5, 6};
        case "h.bias" -> new int[] {5};
        case "out.weight" -> new int[] {3, 5};
        default -> new int[] {3};
      };
      for (String b : buffers) {
        expected.add(p + "." + b);
        expectedSpecs.add(new TensorSpec(p + "." + b, shape, offset));
        offset += expectedSpecs.get(expectedSpecs.size() - 1).size();
      }
    }
    assertEquals(expectedSpecs, layout);
    int size = offset;
    IllegalArgumentException e;
    if (o instanceof TrainableFloatNetwork f) {
      e = assertThrows(IllegalArgumentException.class, () -> f.setOptimizerState(
          new float[size + 1]));
      assertThrows(IllegalArgumentException.class, () -> f.setLearningRate(0));
      assertThrows(IllegalArgumentException.class, () -> f.setLearningRate(Double.NaN));
      assertThrows(IllegalArgumentException.class,
          () -> f.setLearningRate(Double.POSITIVE_INFINITY));
      assertThrows(IllegalArgumentException.class, () -> f.setOptimizerStepCount(-1));
      f.setLearningRate(0.5);
      f.setOptimizerStepCount(3);
      assertEquals(0.5, f.copy().learningRate());
      f.resetOptimizer();
      assertEquals(0.5, f.learningRate());
      assertEquals(0, f.optimizerStepCount());
    } else {
      TrainableDoubleNetwork n = (TrainableDoubleNetwork) o;
      e = assertThrows(IllegalArgumentException.class, () -> n.getOptimizerState(
          new double[size + 1]));
      assertThrows(IllegalArgumentException.class, () -> n.setLearningRate(-1));
      assertThrows(IllegalArgumentException.class, () -> n.setOptimizerStepCount(-5));
      n.setLearningRate(0.5);
      assertEquals(0.5, n.copy().learningRate());
      n.resetOptimizer();
      assertEquals(0.5, n.learningRate());
    }
    assertTrue(e.getMessage().contains(Integer.toString(size))
        && e.getMessage().contains(Integer.toString(size + 1)), e.getMessage());
  }
}
