package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Activation;
import dev.netc.ir.Dense;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.WeightInit;
import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The learning rate, optimizer state and step count API of generated classes (both backends,
 * both precisions, the batched and the one-example paths) and of the interpreter: copying the
 * state to a fresh instance continues bit for bit; a new learning rate changes the next step
 * exactly as it changes the interpreter's.
 */
class OptimizerStateApiTest {
  private static final List<Optimizer> OPTIMIZERS = List.of(
      new Optimizer.Sgd(0.05, 0, false, 0),
      new Optimizer.Sgd(0.05, 0.9, true, 0.01),
      new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 0.001));
  private static final int IN = 6;
  private static final int OUT = 3;
  private static final List<Case> CASES = new ArrayList<>();

  /** One compiled network with a way to make fresh instances. */
  record Case(String label, Network net, Supplier<Trainer> fresh) {
    @Override
    public String toString() {
      return label;
    }
  }

  static Network network(Optimizer opt, Precision p, String name) {
    WeightInit xavier = new WeightInit(Init.Scheme.XAVIER, 0);
    // 40 outputs: above the unroll limit, so mini-batches take the batched kernels.
    return new Network(name, name + ".net", IN,
        List.of(new Dense("hidden", 0, IN, 40, new Activation.Tanh(), xavier),
            new Dense("out", 1, 40, OUT, new Activation.Softmax(), xavier)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)), opt, 5, p);
  }

  private static void compile() {
    for (CodegenPolicy.Backend backend : CodegenPolicy.Backend.values()) {
      CodegenPolicy policy = CodegenPolicy.defaults().withBackend(backend);
      List<JavaFile> files = new ArrayList<>();
      List<Network> nets = new ArrayList<>();
      for (int o = 0; o < OPTIMIZERS.size(); o++) {
        for (Precision p : Precision.values()) {
          Network n = network(OPTIMIZERS.get(o), p, "Opt" + o + p.javaType());
          nets.add(n);
          files.add(JavaGenerator.generate(n, "gen.state", policy));
        }
      }
      InMemoryCompiler.Compiled c = InMemoryCompiler.compile(files);
      for (Network n : nets) {
        Class<?> type = c.load("gen.state." + n.name());
        CASES.add(new Case(backend + " " + n.name(), n, () -> Trainer.of(newInstance(type))));
      }
    }
    for (Optimizer o : OPTIMIZERS) {
      for (Precision p : Precision.values()) {
        Network n = network(o, p, "Interp");
        CASES.add(new Case("interpreter " + o.describe() + " " + p.javaType(), n,
            () -> Trainer.of(new Interpreter(n))));
      }
    }
  }

  private static Object newInstance(Class<?> type) {
    try {
      return type.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  static Stream<Arguments> cases() {
    compileOnce();
    return CASES.stream().flatMap(c -> Stream.of(Arguments.of(c, 1), Arguments.of(c, 5)));
  }

  private static synchronized void compileOnce() {
    if (CASES.isEmpty()) {
      compile();
    }
  }

  private static double[] xs(int n, long seed) {
    SplitMix64 rng = new SplitMix64(seed, 0);
    double[] x = new double[n * IN];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (2 * rng.nextDouble() - 1);
    }
    return x;
  }

  private static double[] labels(int n, long seed) {
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      t[i] = (i + seed) % OUT;
    }
    return t;
  }

  @ParameterizedTest(name = "{0}, batch {1}")
  @MethodSource("cases")
  void copiedStateContinuesBitForBit(Case c, int batch) {
    Trainer a = c.fresh().get();
    for (int s = 0; s < 3; s++) {
      a.trainBatch(xs(batch, s), labels(batch, s), batch);
    }
    a.setLearningRate(a.learningRate() * 0.5);
    Trainer b = c.fresh().get();
    b.setParameters(a.parameters());
    b.setState(a.state());
    b.setOptimizerStepCount(a.optimizerStepCount());
    b.setLearningRate(a.learningRate());
    assertEquals(3, b.optimizerStepCount());
    for (int s = 3; s < 5; s++) {
      a.trainBatch(xs(batch, s), labels(batch, s), batch);
      b.trainBatch(xs(batch, s), labels(batch, s), batch);
    }
    assertArrayEquals(a.parameters(), b.parameters());
    assertArrayEquals(a.state(), b.state());
  }

  @ParameterizedTest(name = "{0}, batch {1}")
  @MethodSource("cases")
  void learningRateDrivesTheStepAsInTheInterpreter(Case c, int batch) {
    Trainer gen = c.fresh().get();
    Trainer ref = Trainer.of(new Interpreter(c.net()));
    assertEquals(c.net().optimizer().lr(), gen.learningRate());
    Trainer unchanged = gen.copy();
    gen.trainBatch(xs(batch, 1), labels(batch, 1), batch);
    ref.trainBatch(xs(batch, 1), labels(batch, 1), batch);
    unchanged.trainBatch(xs(batch, 1), labels(batch, 1), batch);
    gen.setLearningRate(0.2);
    ref.setLearningRate(0.2);
    assertEquals(0.2, gen.copy().learningRate());
    gen.resetOptimizer();
    ref.resetOptimizer();
    assertEquals(0.2, gen.learningRate(), "resetOptimizer keeps the learning rate");
    assertEquals(0, gen.optimizerStepCount());
    for (int s = 2; s < 4; s++) {
      gen.trainBatch(xs(batch, s), labels(batch, s), batch);
      ref.trainBatch(xs(batch, s), labels(batch, s), batch);
      unchanged.trainBatch(xs(batch, s), labels(batch, s), batch);
    }
    assertEquals(ref.optimizerStepCount(), gen.optimizerStepCount());
    Tolerance tolerance = Tolerance.of(c.net().precision());
    tolerance.check(c.label(), gen.parameters(), ref.parameters());
    tolerance.check(c.label() + " state", gen.state(), ref.state());
    assertFalse(java.util.Arrays.equals(unchanged.parameters(), gen.parameters()));
  }

  /**
   * A buffer whose parameter gets no gradient decays into the subnormal range: the rule flushes
   * it to exactly zero (Intel cores take a microcode assist per subnormal operand), while a small
   * normal value decays as usual. The hidden weights are zero and so are the inputs, so their
   * gradient is zero even with weight decay.
   */
  @ParameterizedTest(name = "{0}, batch {1}")
  @MethodSource("cases")
  void subnormalStateFlushesToZero(Case c, int batch) {
    Trainer t = c.fresh().get();
    List<TensorSpec> state = t.layout();
    if (state.isEmpty()) {
      return;
    }
    double tiny = c.net().precision() == Precision.FLOAT ? 1e-39 : 1e-310;
    double small = c.net().precision() == Precision.FLOAT ? 1e-30 : 1e-300;
    double[] params = t.parameters();
    TensorSpec weight = c.net().parameterLayout().get(0);
    java.util.Arrays.fill(params, weight.offset(), weight.offset() + weight.size(), 0);
    t.setParameters(params);
    double[] s = t.state();
    for (TensorSpec spec : state) {
      if (spec.name().startsWith("hidden.weight.")) {
        for (int i = spec.offset(); i < spec.offset() + spec.size(); i++) {
          // Every other element subnormal, the rest small but normal.
          s[i] = i % 2 == 0 ? tiny : small;
        }
      }
    }
    t.setState(s);
    t.setOptimizerStepCount(3);
    t.trainBatch(new double[batch * IN], labels(batch, 0), batch);
    double[] after = t.state();
    for (TensorSpec spec : state) {
      if (!spec.name().startsWith("hidden.weight.")) {
        continue;
      }
      for (int i = spec.offset(); i < spec.offset() + spec.size(); i++) {
        if (i % 2 == 0) {
          assertEquals(0.0, after[i], c.label() + " " + spec.name() + "[" + i + "]");
        } else {
          assertTrue(after[i] > 0 && after[i] <= small, c.label() + " " + spec.name() + "[" + i
              + "] = " + after[i]);
        }
      }
    }
    double[] p = t.parameters();
    for (int i = weight.offset(); i < weight.offset() + weight.size(); i++) {
      assertEquals(0.0, Math.abs(p[i]) < 1e-20 ? 0.0 : p[i], c.label() + " weight " + i);
    }
  }

  @ParameterizedTest(name = "{0}, batch {1}")
  @MethodSource("cases")
  void layoutNamesTorchBuffersAndLengthsAreChecked(Case c, int batch) {
    Trainer t = c.fresh().get();
    List<TensorSpec> layout = t.layout();
    assertEquals(c.net().optimizerStateLayout(), layout);
    List<String> buffers = c.net().optimizer().stateBuffers();
    assertEquals(4 * buffers.size(), layout.size());
    if (!buffers.isEmpty()) {
      assertEquals("hidden.weight." + buffers.get(0), layout.get(0).name());
      assertArrayEquals(new int[] {40, IN}, layout.get(0).shape());
    }
    int size = layout.stream().mapToInt(TensorSpec::size).sum();
    assertEquals(size, t.state().length);
    assertThrows(IllegalArgumentException.class, () -> t.setState(new double[size + 1]));
    assertThrows(IllegalArgumentException.class, () -> t.getState(new double[size + 1]));
    if (size > 0) {
      assertThrows(IllegalArgumentException.class, () -> t.setState(new double[size - 1]));
    }
    assertThrows(IllegalArgumentException.class, () -> t.setLearningRate(0));
    assertThrows(IllegalArgumentException.class, () -> t.setLearningRate(Double.NaN));
    assertThrows(IllegalArgumentException.class,
        () -> t.setLearningRate(Double.POSITIVE_INFINITY));
    assertThrows(IllegalArgumentException.class, () -> t.setOptimizerStepCount(-1));
    assertTrue(t.learningRate() > 0);
  }

  /** A trainable network of either precision seen through doubles. */
  interface Trainer {
    static Trainer of(Object network) {
      if (network instanceof TrainableFloatNetwork f) {
        return new FloatTrainer(f);
      }
      return new DoubleTrainer((TrainableDoubleNetwork) network);
    }

    void trainBatch(double[] xs, double[] ts, int n);

    double[] parameters();

    void setParameters(double[] p);

    double[] state();

    void getState(double[] into);

    void setState(double[] s);

    List<TensorSpec> layout();

    long optimizerStepCount();

    void setOptimizerStepCount(long steps);

    double learningRate();

    void setLearningRate(double lr);

    void resetOptimizer();

    Trainer copy();
  }

  record FloatTrainer(TrainableFloatNetwork n) implements Trainer {
    public void trainBatch(double[] xs, double[] ts, int b) {
      n.trainBatch(Generated.narrow(xs), Generated.narrow(ts), b);
    }

    public double[] parameters() {
      float[] p = new float[n.parameterCount()];
      n.getParameters(p);
      return Generated.widen(p);
    }

    public void setParameters(double[] p) {
      n.setParameters(Generated.narrow(p));
    }

    public double[] state() {
      float[] s = new float[layout().stream().mapToInt(TensorSpec::size).sum()];
      n.getOptimizerState(s);
      return Generated.widen(s);
    }

    public void getState(double[] into) {
      n.getOptimizerState(new float[into.length]);
    }

    public void setState(double[] s) {
      n.setOptimizerState(Generated.narrow(s));
    }

    public List<TensorSpec> layout() {
      return n.optimizerStateLayout();
    }

    public long optimizerStepCount() {
      return n.optimizerStepCount();
    }

    public void setOptimizerStepCount(long steps) {
      n.setOptimizerStepCount(steps);
    }

    public double learningRate() {
      return n.learningRate();
    }

    public void setLearningRate(double lr) {
      n.setLearningRate(lr);
    }

    public void resetOptimizer() {
      n.resetOptimizer();
    }

    public Trainer copy() {
      return new FloatTrainer(n.copy());
    }
  }

  record DoubleTrainer(TrainableDoubleNetwork n) implements Trainer {
    public void trainBatch(double[] xs, double[] ts, int b) {
      n.trainBatch(xs, ts, b);
    }

    public double[] parameters() {
      double[] p = new double[n.parameterCount()];
      n.getParameters(p);
      return p;
    }

    public void setParameters(double[] p) {
      n.setParameters(p);
    }

    public double[] state() {
      double[] s = new double[layout().stream().mapToInt(TensorSpec::size).sum()];
      n.getOptimizerState(s);
      return s;
    }

    public void getState(double[] into) {
      n.getOptimizerState(into);
    }

    public void setState(double[] s) {
      n.setOptimizerState(s);
    }

    public List<TensorSpec> layout() {
      return n.optimizerStateLayout();
    }

    public long optimizerStepCount() {
      return n.optimizerStepCount();
    }

    public void setOptimizerStepCount(long steps) {
      n.setOptimizerStepCount(steps);
    }

    public double learningRate() {
      return n.learningRate();
    }

    public void setLearningRate(double lr) {
      n.setLearningRate(lr);
    }

    public void resetOptimizer() {
      n.resetOptimizer();
    }

    public Trainer copy() {
      return new DoubleTrainer(n.copy());
    }
  }
}
