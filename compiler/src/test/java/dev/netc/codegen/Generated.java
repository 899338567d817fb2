package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.palantir.javapoet.JavaFile;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.StepTeam;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.ArrayList;
import java.util.List;

/**
 * A generated network seen through a double-precision view, so tests compare float and double
 * classes with one code path. Float inputs are rounded once on the way in (the test data is
 * already float-representable), outputs widened exactly.
 */
final class Generated {
  private final Object instance;
  private final Precision precision;

  Generated(Object instance, Precision precision) {
    this.instance = instance;
    this.precision = precision;
  }

  /** Generates and compiles {@code nets} in one javac call; returns one instance each. */
  static List<Generated> compile(List<Network> nets, String pkg, CodegenPolicy policy) {
    List<JavaFile> files = new ArrayList<>();
    for (Network n : nets) {
      files.add(JavaGenerator.generate(n, pkg, policy));
    }
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(files);
    if (!c.warnings().isEmpty()) {
      throw new AssertionError("javac warnings: " + c.warnings());
    }
    java.util.Map.Entry<String, Integer> longest = ClassFiles.longestMethod(c);
    if (longest.getValue() > ClassFiles.HUGE_METHOD_LIMIT) {
      throw new AssertionError(longest.getKey() + " has " + longest.getValue() + " bytes");
    }
    List<Generated> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < nets.size(); i++) {
      Network n = nets.get(i);
      problems.addAll(SourceChecks.problems(files.get(i).toString(),
          c.load(pkg + "." + n.name())));
      out.add(instantiate(c, pkg + "." + n.name(), n.precision()));
      if (policy.backend() == CodegenPolicy.Backend.VECTOR) {
        checkPlan(c.load(pkg + "." + n.name()), policy.plan());
      }
    }
    if (!problems.isEmpty()) {
      throw new AssertionError("dead code or missing @Override: " + problems);
    }
    return out;
  }

  /**
   * Fails unless vector class {@code type} picked {@code plan} at class initialization (or its
   * narrowing, on a CPU whose vectors are narrower than the plan's).
   */
  static void checkPlan(Class<?> type, KernelPlan plan) {
    KernelPlan expected = plan.narrowedTo(CpuVectors.bits());
    KernelPlan picked = KernelPlan.running(type);
    if (!picked.equals(expected)) {
      throw new AssertionError(type.getSimpleName() + " runs plan " + picked + ", not "
          + expected);
    }
  }

  /** A new instance of {@code className} made with its no-argument constructor. */
  static Generated instantiate(InMemoryCompiler.Compiled c, String className, Precision p) {
    try {
      return new Generated(c.load(className).getConstructor().newInstance(), p);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  Object instance() {
    return instance;
  }

  private boolean isFloat() {
    return precision == Precision.FLOAT;
  }

  double[] parameters() {
    if (isFloat()) {
      FloatNetwork f = (FloatNetwork) instance;
      float[] p = new float[f.parameterCount()];
      f.getParameters(p);
      return widen(p);
    }
    DoubleNetwork d = (DoubleNetwork) instance;
    double[] p = new double[d.parameterCount()];
    d.getParameters(p);
    return p;
  }

  /** The optimizer's state buffers in {@code optimizerStateLayout()} order, widened. */
  double[] optimizerState() {
    if (isFloat()) {
      TrainableFloatNetwork f = (TrainableFloatNetwork) instance;
      float[] s = new float[stateSize(f.optimizerStateLayout())];
      f.getOptimizerState(s);
      return widen(s);
    }
    TrainableDoubleNetwork d = (TrainableDoubleNetwork) instance;
    double[] s = new double[stateSize(d.optimizerStateLayout())];
    d.getOptimizerState(s);
    return s;
  }

  private static int stateSize(List<dev.netc.runtime.TensorSpec> layout) {
    return layout.stream().mapToInt(dev.netc.runtime.TensorSpec::size).sum();
  }

  void setParameters(double[] p) {
    if (isFloat()) {
      ((FloatNetwork) instance).setParameters(narrow(p));
    } else {
      ((DoubleNetwork) instance).setParameters(p);
    }
  }

  /** predict of the one example {@code x}. */
  double[] predict(double[] x, int outputs) {
    if (isFloat()) {
      float[] out = new float[outputs];
      ((FloatNetwork) instance).predict(narrow(x), out);
      return widen(out);
    }
    double[] out = new double[outputs];
    ((DoubleNetwork) instance).predict(x, out);
    return out;
  }

  double[] predictBatch(double[] xs, int n, int outputs) {
    if (isFloat()) {
      float[] out = new float[n * outputs];
      ((FloatNetwork) instance).predictBatch(narrow(xs), out, n);
      return widen(out);
    }
    double[] out = new double[n * outputs];
    ((DoubleNetwork) instance).predictBatch(xs, out, n);
    return out;
  }

  double loss(double[] xs, double[] ts, int n) {
    return isFloat() ? ((TrainableFloatNetwork) instance).loss(narrow(xs), narrow(ts), n)
        : ((TrainableDoubleNetwork) instance).loss(xs, ts, n);
  }

  /** evaluate: the loss, with the outputs written to {@code out}. */
  double evaluate(double[] xs, double[] ts, int n, double[] out) {
    if (isFloat()) {
      float[] o = new float[out.length];
      float l = ((TrainableFloatNetwork) instance).evaluate(narrow(xs), narrow(ts), n, o);
      System.arraycopy(widen(o), 0, out, 0, o.length);
      return l;
    }
    return ((TrainableDoubleNetwork) instance).evaluate(xs, ts, n, out);
  }

  double gradient(double[] xs, double[] ts, int n, double[] grad) {
    if (isFloat()) {
      float[] g = new float[grad.length];
      float l = ((TrainableFloatNetwork) instance).gradient(narrow(xs), narrow(ts), n, g);
      System.arraycopy(widen(g), 0, grad, 0, g.length);
      return l;
    }
    return ((TrainableDoubleNetwork) instance).gradient(xs, ts, n, grad);
  }

  double trainBatch(double[] xs, double[] ts, int n) {
    return isFloat() ? ((TrainableFloatNetwork) instance).trainBatch(narrow(xs), narrow(ts), n)
        : ((TrainableDoubleNetwork) instance).trainBatch(xs, ts, n);
  }

  static float[] narrow(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  static double[] widen(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }

  /**
   * {@code useStepTeam(team)} of a generated trainable class, float or double, after checking
   * that it splits its steps ({@code splitsSteps()}) as {@code splitsSteps} says.
   */
  static boolean useStepTeam(Object net, StepTeam team, boolean splitsSteps) {
    if (net instanceof TrainableFloatNetwork f) {
      assertEquals(splitsSteps, f.splitsSteps());
      return f.useStepTeam(team);
    }
    TrainableDoubleNetwork d = (TrainableDoubleNetwork) net;
    assertEquals(splitsSteps, d.splitsSteps());
    return d.useStepTeam(team);
  }
}
