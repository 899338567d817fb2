package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The generated API beyond the runtime interfaces: copies, seeds, labels, checks, gradients. */
class GeneratedApiTest {
  private static InMemoryCompiler.Compiled compiled;

  @BeforeAll
  static void compile() {
    compiled = InMemoryCompiler.compile(List.of(
        JavaGenerator.generate(SampleNetworks.xor(), "gen.api"),
        JavaGenerator.generate(SampleNetworks.iris(), "gen.api"),
        JavaGenerator.generate(SampleNetworks.regression(), "gen.api"),
        JavaGenerator.generate(SampleNetworks.inferenceOnly(), "gen.api")));
  }

  private static Object create(String name, Object... seed) throws ReflectiveOperationException {
    Class<?> c = compiled.load("gen.api." + name);
    return seed.length == 0 ? c.getConstructor().newInstance()
        : c.getConstructor(long.class).newInstance(seed);
  }

  /** Calls a public method by name, unwrapping exceptions it throws. */
  private static Object call(Object target, String name, Object... args) throws Throwable {
    for (var m : target.getClass().getMethods()) {
      if (m.getName().equals(name) && m.getParameterCount() == args.length
          && accepts(m.getParameterTypes(), args)) {
        try {
          return m.invoke(target, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      }
    }
    throw new NoSuchMethodException(name);
  }

  private static boolean accepts(Class<?>[] types, Object[] args) {
    for (int i = 0; i < types.length; i++) {
      Class<?> t = types[i].isPrimitive()
          ? (types[i] == int.class ? Integer.class : types[i] == long.class ? Long.class
              : types[i] == float.class ? Float.class : Double.class)
          : types[i];
      if (!t.isInstance(args[i])) {
        return false;
      }
    }
    return true;
  }

  private static float[] params(FloatNetwork n) {
    float[] p = new float[n.parameterCount()];
    n.getParameters(p);
    return p;
  }

  @Test
  void seededConstructorMatchesInterpreterWithThatSeed() throws Throwable {
    Network xor = SampleNetworks.xor();
    Network reseeded = new Network(xor.name(), xor.sourceFile(), xor.inputSize(), xor.layers(),
        xor.loss(), xor.optimizer(), 99, xor.precision());
    double[] want = Interpreter.initialParameters(reseeded);
    float[] got = params((FloatNetwork) create("Xor", 99L));
    assertArrayEquals(Generated.narrow(want), got);
    assertFalse(java.util.Arrays.equals(got, params((FloatNetwork) create("Xor"))));
  }

  @Test
  void copyIsIndependentAndCarriesOptimizerState() throws Throwable {
    TrainableFloatNetwork a = (TrainableFloatNetwork) create("Xor");
    float[] xs = {0, 0, 0, 1, 1, 0, 1, 1};
    float[] ts = {0, 1, 1, 0};
    a.trainBatch(xs, ts, 4);
    TrainableFloatNetwork b = (TrainableFloatNetwork) call(a, "copy");
    float[] before = params(a);
    b.trainBatch(xs, ts, 4);
    assertArrayEquals(before, params(a), "training the copy left the original alone");
    a.trainBatch(xs, ts, 4);
    assertArrayEquals(params(a), params(b), "same momentum buffers, same step");
  }

  @Test
  void labelsAreValidatedBeforeAnythingChanges() throws Throwable {
    TrainableFloatNetwork iris = (TrainableFloatNetwork) create("Iris");
    float[] before = params(iris);
    float[] x = {1, 2, 3, 4};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> call(iris, "trainStep", x, 3));
    assertEquals("class index 3 is not in [0, 3)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> iris.trainBatch(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new float[] {0, 2.5f}, 2));
    assertEquals("class index 2.5 is not an integer in [0, 3)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> call(iris, "trainBatch", x, new int[] {-1}, 1));
    assertEquals("class index -1 is not in [0, 3)", e.getMessage());
    assertArrayEquals(before, params(iris));
  }

  @Test
  void intLabelsTrainExactlyLikeNumericTargets() throws Throwable {
    TrainableFloatNetwork a = (TrainableFloatNetwork) create("Iris");
    TrainableFloatNetwork b = (TrainableFloatNetwork) create("Iris");
    float[] x = {0.5f, -1, 2, 0.25f};
    for (int i = 0; i < 3; i++) {
      float la = (Float) call(a, "trainStep", x, 2);
      float lb = b.trainBatch(x, new float[] {2}, 1);
      assertEquals(lb, la);
      assertEquals(b.loss(x, new float[] {2}, 1), (Float) call(a, "loss", x, 2));
    }
    assertArrayEquals(params(a), params(b));
  }

  @Test
  void lengthsAreCheckedWithClearMessages() throws Throwable {
    TrainableFloatNetwork xor = (TrainableFloatNetwork) create("Xor");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> xor.predict(new float[3], new float[1]));
    assertEquals("input array has length 3, expected 2", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> xor.trainBatch(new float[4], new float[2], 0));
    assertEquals("batch size must be >= 1, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> xor.trainBatch(new float[4], new float[1], 2));
    assertEquals("target array has length 1, too short for 2 examples of 1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> xor.setParameters(new float[16]));
    assertEquals("parameter array has length 16, expected 17", e.getMessage());
  }

  @Test
  void accumulatedGradientsApplyLikeTrainBatch() throws Throwable {
    TrainableDoubleNetwork a = (TrainableDoubleNetwork) create("Regression");
    TrainableDoubleNetwork b = (TrainableDoubleNetwork) create("Regression");
    double[] xs = new double[3 * 20];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = Math.sin(i);
    }
    double[] ts = {0.5, -1, 2};
    double[] whole = new double[a.parameterCount()];
    a.gradient(xs, ts, 3, whole);
    // reduction = sum: the gradient of a batch is the sum over its parts
    double[] parts = new double[whole.length];
    call(b, "accumulateGradient", java.util.Arrays.copyOfRange(xs, 0, 40), new double[] {0.5, -1},
        2, parts);
    call(b, "accumulateGradient", java.util.Arrays.copyOfRange(xs, 40, 60), new double[] {2}, 1,
        parts);
    for (int i = 0; i < whole.length; i++) {
      assertEquals(whole[i], parts[i], 1e-12 * (1 + Math.abs(whole[i])));
    }
    double la = a.trainBatch(xs, ts, 3);
    double[] g = new double[whole.length];
    double lb = b.gradient(xs, ts, 3, g);
    call(b, "optimizerStep", g);
    assertEquals(la, lb);
    double[] pa = new double[g.length];
    double[] pb = new double[g.length];
    a.getParameters(pa);
    b.getParameters(pb);
    assertArrayEquals(pa, pb);
  }

  @Test
  void resetOptimizerRestartsTraining() throws Throwable {
    TrainableFloatNetwork a = (TrainableFloatNetwork) create("Iris");
    float[] xs = {1, 0, -1, 0.5f, 0, 1, 1, -2};
    float[] ts = {0, 2};
    a.trainBatch(xs, ts, 2);
    a.trainBatch(xs, ts, 2);
    TrainableFloatNetwork b = (TrainableFloatNetwork) create("Iris");
    b.setParameters(params(a));
    a.resetOptimizer();
    assertEquals(b.trainBatch(xs, ts, 2), a.trainBatch(xs, ts, 2));
    assertArrayEquals(params(b), params(a));
  }

  @Test
  void inferenceOnlyNetworkHasNoTrainingApi() throws Throwable {
    Object scorer = create("Scorer");
    assertTrue(scorer instanceof FloatNetwork);
    assertFalse(scorer instanceof TrainableFloatNetwork);
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
    float[] out = new float[2];
    ((FloatNetwork) scorer).predict(x, out);
    assertArrayEquals(out, (float[]) call(scorer, "predict", (Object) x));
    assertThrows(NoSuchMethodException.class, () -> call(scorer, "trainStep", x, x));
  }
}
