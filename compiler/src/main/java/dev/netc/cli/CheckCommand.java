package dev.netc.cli;

import dev.netc.interp.Interpreter;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.io.PrintWriter;
import java.nio.file.Path;

import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code netc check}: compiles each network's generated class in memory and checks its gradients
 * against the interpreter and against central finite differences of a double-precision twin.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = "Verifies the generated gradients against the interpreter and finite "
        + "differences on random inputs; prints the largest relative error per tensor.")
final class CheckCommand implements Callable<Integer> {
  /** Entries per tensor compared with finite differences (each costs four loss evaluations). */
  private static final int FD_SAMPLES = 12;
  private static final double FD_STEP = 1e-3;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--backend", paramLabel = "scalar|vector", defaultValue = "scalar",
      description = "Generated code backend to check (default: ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--interpret", description = "Check only the interpreter against finite "
      + "differences (for layers without generated code yet: conv2d, pooling, flatten).")
  boolean interpret;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "4",
      description = "Random examples per check (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    if (batch < 1 || batch > 4096) {
      throw new UserException("--batch must be between 1 and 4096, not " + batch);
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean ok = true;
    for (Network net : model.loadAll(spec.commandLine().getErr())) {
      ok &= check(net, out);
    }
    if (!ok) {
      throw new UserException("gradient check failed (this is a netc bug: please report it "
          + "with the .net file)");
    }
    return 0;
  }

  private boolean check(Network net, PrintWriter out) {
    if (net.loss().isEmpty()) {
      out.println(net.name() + ": no loss, nothing to check (inference only)");
      return true;
    }
    boolean isFloat = net.precision() == Precision.FLOAT;
    double genTolerance = isFloat ? 1e-4 : 1e-10;
    double fdTolerance = 1e-6;
    Object generated = interpret ? null : Backends.instantiate(net, Backends.parse(backend));
    int n = net.parameterCount();
    SplitMix64 rng = new SplitMix64(seed);
    double[] params = new double[n];
    Interpreter init = new Interpreter(net);
    init.getParameters(params);
    for (int i = 0; i < n; i++) { // nonzero biases, so every parameter matters
      params[i] = net.precision().round(params[i] + 0.1 * (2 * rng.nextDouble() - 1));
    }
    double[] xs = new double[batch * net.inputSize()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = net.precision().round(2 * rng.nextDouble() - 1);
    }
    double[] ts = randomTargets(net, rng);

    Interpreter reference = new Interpreter(net, params);
    double[] refGrad = new double[n];
    double refLoss = reference.gradient(xs, ts, batch, refGrad);
    double[] genGrad = refGrad.clone();
    double genLoss = generated == null ? refLoss
        : generatedGradient(generated, params, xs, ts, genGrad);

    Network twin = net.withPrecision(Precision.DOUBLE);
    Interpreter exact = new Interpreter(twin, params);
    double[] exactGrad = new double[n];
    double exactLoss = exact.gradient(xs, ts, batch, exactGrad);

    out.printf(Locale.ROOT, "%s (%s, %s, batch %d, seed %d)%n", net.name(), net.precision()
        .javaType(), net.loss().get().describe(), batch, seed);
    out.printf(Locale.ROOT, "  loss: %s, interpreter %.9g%n", generated == null
        ? "generated code not checked (--interpret)"
        : String.format(Locale.ROOT, "generated %.9g", genLoss), refLoss);
    out.printf(Locale.ROOT, "  %-28s %-14s %22s %24s%n", "tensor", "shape",
        "generated vs interp", "interp vs finite diff");
    boolean ok = relErr(genLoss, refLoss, exactLoss) <= genTolerance;
    for (TensorSpec spec : net.parameterLayout()) {
      double genErr = 0;
      for (int i = spec.offset(); i < spec.offset() + spec.size(); i++) {
        genErr = Math.max(genErr, relErr(genGrad[i], refGrad[i], exactLoss));
      }
      double fdErr = 0;
      int samples = Math.min(FD_SAMPLES, spec.size());
      for (int s = 0; s < samples; s++) {
        int i = spec.offset() + (samples == spec.size() ? s : rng.nextInt(spec.size()));
        double fd = finiteDifference(exact, params, i, xs, ts);
        fdErr = Math.max(fdErr, relErr(exactGrad[i], fd, exactLoss));
      }
      boolean good = genErr <= genTolerance && fdErr <= fdTolerance;
      ok &= good;
      out.printf(Locale.ROOT, "  %-28s %-14s %22.2e %24.2e%s%n", spec.name(),
          java.util.Arrays.toString(spec.shape()), genErr, fdErr, good ? "" : "  FAILED");
    }
    out.printf(Locale.ROOT, "  %s (tolerances: %.0e vs interpreter, %.0e vs finite "
        + "differences)%n", ok ? "ok" : "FAILED", genTolerance, fdTolerance);
    return ok;
  }

  /** Relative error with a floor tied to the loss, so entries that are ~0 do not dominate. */
  private static double relErr(double a, double b, double loss) {
    return Math.abs(a - b) / Math.max(Math.abs(a) + Math.abs(b), 1e-5 * (1 + Math.abs(loss)));
  }

  /** Five-point central difference of the loss in parameter i, in double. */
  private static double finiteDifference(Interpreter net, double[] params, int i, double[] xs,
      double[] ts) {
    double[] p = params.clone();
    double[] losses = new double[4];
    double[] steps = {-2, -1, 1, 2};
    for (int k = 0; k < 4; k++) {
      p[i] = params[i] + steps[k] * FD_STEP;
      net.setParameters(p);
      losses[k] = net.loss(xs, ts, xs.length / net.inputSize());
    }
    net.setParameters(params);
    return (losses[0] - 8 * losses[1] + 8 * losses[2] - losses[3]) / (12 * FD_STEP);
  }

  private double[] randomTargets(Network net, SplitMix64 rng) {
    Loss loss = net.loss().orElseThrow();
    double[] ts = new double[batch * net.targetWidth()];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = loss instanceof Loss.CrossEntropy ? rng.nextInt(net.outputSize())
          : loss instanceof Loss.BinaryCrossEntropy ? rng.nextDouble()
          : 2 * rng.nextDouble() - 1;
      ts[i] = net.precision().round(ts[i]);
    }
    return ts;
  }

  /** The generated class's gradient, with its parameters set to {@code params}. */
  private double generatedGradient(Object generated, double[] params, double[] xs, double[] ts,
      double[] grad) {
    if (generated instanceof TrainableFloatNetwork f) {
      f.setParameters(toFloats(params));
      float[] g = new float[grad.length];
      double loss = f.gradient(toFloats(xs), toFloats(ts), batch, g);
      for (int i = 0; i < g.length; i++) {
        grad[i] = g[i];
      }
      return loss;
    }
    TrainableDoubleNetwork d = (TrainableDoubleNetwork) generated;
    d.setParameters(params);
    return d.gradient(xs, ts, batch, grad);
  }

  private static float[] toFloats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

}
