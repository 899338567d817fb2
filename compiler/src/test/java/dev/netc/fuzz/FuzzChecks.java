package dev.netc.fuzz;

import com.palantir.javapoet.JavaFile;
import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
import dev.netc.diag.Diagnostic;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.Init;
import java.util.List;

/**
 * The properties every fuzz target checks: the front end either accepts a file or reports
 * diagnostics that point inside it, and an accepted network becomes Java that compiles, loads and
 * computes what the interpreter computes. A violated property is an {@link AssertionError} (or
 * the uncaught exception itself), which Jazzer records as a finding.
 */
final class FuzzChecks {
  /** Networks above this many parameters are not compiled: javac must stay fast per input. */
  static final int MAX_COMPILED_PARAMETERS = 10_000;
  /** Nor networks deeper than this (each layer adds a few methods to compile). */
  static final int MAX_COMPILED_LAYERS = 12;

  /** True when this JVM can run the vector backend's classes (the test JVMs add the module). */
  private static final boolean VECTOR_MODULE =
      ModuleLayer.boot().findModule(InMemoryCompiler.VECTOR_MODULE).isPresent();

  private FuzzChecks() {}

  /** Runs the front end and checks every diagnostic; returns the result. */
  static FrontendResult frontEnd(String fileName, String source) {
    FrontendResult r = Frontend.compile(fileName, source);
    checkDiagnostics(source, r);
    return r;
  }

  /**
   * Each diagnostic lies inside the file (line within it, column at most one past the end of the
   * line, counted in code points as the lexer counts), has a message in netc's style, and renders;
   * networks come back exactly when there is no error.
   */
  static void checkDiagnostics(String source, FrontendResult r) {
    String[] lines = source.split("\r\n|\r|\n", -1);
    for (Diagnostic d : r.diagnostics()) {
      if (d.line() < 1 || d.line() > lines.length) {
        throw new AssertionError("line outside the file (" + lines.length + " lines): "
            + d.header());
      }
      String line = lines[d.line() - 1];
      int width = line.codePointCount(0, line.length());
      if (d.column() < 1 || d.column() > width + 1) {
        throw new AssertionError("column outside line " + d.line() + " (" + width
            + " characters): " + d.header());
      }
      if (d.message().isBlank() || d.message().endsWith(".")) {
        throw new AssertionError("message not in netc style: '" + d.message() + "'");
      }
      String rendered = d.render(source);
      if (!rendered.startsWith(d.header())) {
        throw new AssertionError("rendering lost the header: " + rendered);
      }
    }
    r.renderDiagnostics();
    if (r.hasErrors() == !r.networks().isEmpty()) {
      throw new AssertionError("errors " + r.hasErrors() + " but " + r.networks().size()
          + " networks");
    }
  }

  /**
   * Whether {@code net} is small enough to compile within a fuzzing iteration, and made of layers
   * the code generator emits (conv2d, pooling and flatten run only in the interpreter so far).
   */
  static boolean smallEnough(Network net) {
    return net.parameterCount() <= MAX_COMPILED_PARAMETERS
        && net.layers().size() <= MAX_COMPILED_LAYERS
        && net.layers().stream().allMatch(l -> l instanceof Dense);
  }

  /**
   * Generates and compiles every small network of {@code r} (all in one javac run), instantiates
   * each class and compares it with the interpreter.
   */
  static void generateAndRun(FrontendResult r) {
    List<Network> nets = r.networks().stream().filter(FuzzChecks::smallEnough).toList();
    if (nets.isEmpty()) {
      return;
    }
    for (CodegenPolicy.Backend backend : CodegenPolicy.Backend.values()) {
      if (backend == CodegenPolicy.Backend.VECTOR && !VECTOR_MODULE) {
        continue;
      }
      String pkg = "fuzz." + backend.name().toLowerCase(java.util.Locale.ROOT);
      CodegenPolicy policy = CodegenPolicy.defaults().withBackend(backend);
      List<JavaFile> files = nets.stream().map(n -> JavaGenerator.generate(n, pkg, policy))
          .toList();
      InMemoryCompiler.Compiled compiled = InMemoryCompiler.compile(files);
      if (!compiled.warnings().isEmpty()) {
        throw new AssertionError("javac warnings: " + compiled.warnings());
      }
      for (Network net : nets) {
        Object instance = newInstance(compiled.load(pkg + "." + net.name()));
        compareWithInterpreter(net, instance);
      }
    }
  }

  private static Object newInstance(Class<?> type) {
    try {
      return type.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot instantiate " + type, e);
    }
  }

  /**
   * Same parameter count and initial parameters as the interpreter, and the same prediction for a
   * fixed input within a tolerance. Huge uniform init scales are skipped for the prediction: there
   * the outputs are dominated by cancellation, not by the code under test.
   */
  private static void compareWithInterpreter(Network net, Object instance) {
    Interpreter interp = new Interpreter(net);
    int n = net.parameterCount();
    double[] expected = new double[n];
    interp.getParameters(expected);
    double[] actual = new double[n];
    double[] x = new double[net.inputSize()];
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.sin(1.0 + i);
    }
    double[] want = new double[net.outputSize()];
    interp.predict(x, want);
    double[] got = new double[net.outputSize()];
    double tolerance;
    if (instance instanceof FloatNetwork f) {
      check(net.precision() == Precision.FLOAT, "float class for a double network");
      check(f.parameterCount() == n, "parameter count " + f.parameterCount() + " != " + n);
      float[] p = new float[n];
      f.getParameters(p);
      for (int i = 0; i < n; i++) {
        actual[i] = p[i];
      }
      float[] xf = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        xf[i] = (float) x[i];
      }
      float[] out = new float[got.length];
      f.predict(xf, out);
      for (int i = 0; i < out.length; i++) {
        got[i] = out[i];
      }
      tolerance = 1e-3;
    } else {
      DoubleNetwork d = (DoubleNetwork) instance;
      check(net.precision() == Precision.DOUBLE, "double class for a float network");
      check(d.parameterCount() == n, "parameter count " + d.parameterCount() + " != " + n);
      d.getParameters(actual);
      d.predict(x, got);
      tolerance = 1e-9;
    }
    for (int i = 0; i < n; i++) {
      check(Double.compare(actual[i], expected[i]) == 0,
          "initial parameter " + i + " is " + actual[i] + ", interpreter has " + expected[i]);
    }
    if (hugeInit(net)) {
      return;
    }
    for (int i = 0; i < got.length; i++) {
      boolean same = Double.compare(got[i], want[i]) == 0
          || Math.abs(got[i] - want[i]) <= tolerance * (1 + Math.abs(want[i]));
      check(same, "output " + i + " is " + got[i] + ", interpreter says " + want[i]);
    }
  }

  private static boolean hugeInit(Network net) {
    for (Layer l : net.layers()) {
      if (l.init().scheme() == Init.Scheme.UNIFORM && l.init().scale() > 1) {
        return true;
      }
    }
    return false;
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }
}
