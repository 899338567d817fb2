package dev.netc.cli;

import dev.netc.codegen.CodegenPolicy;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * One network's gradient check: the generated class against the exact gradient, which is the
 * interpreter run in double precision on the same (precision-rounded) parameters and inputs, and
 * that gradient against central finite differences.
 *
 * <p>A double network's class is held to {@link RoundingBound} at ε = 2⁻⁵³. A float network is
 * checked twice: its double-precision twin (the same network generated with {@code precision
 * double}, the same kernels) must match the exact gradient within that tight bound, which checks
 * the generated formulas and indices; the float class itself must then match within the bound at
 * ε = 2⁻²⁴, or within {@link #NOISE_FACTOR} times the error of the float interpreter (which rounds
 * every operation as float code does) if that is larger: what float arithmetic costs on these very
 * values, such as the derivative of a saturated tanh computed from a rounded output. Inputs are
 * drawn away from the kinks of relu-like units ({@link Kinks}), where rounding could pick either
 * side and two correct gradients differ by a whole unit's share.
 */
final class GradientCheck {
  /** Entries per tensor compared with finite differences (each costs four loss evaluations). */
  private static final int FD_SAMPLES = 12;
  private static final double FD_STEP = 1e-3;
  /** The five-point central difference's steps, in units of {@link #FD_STEP}. */
  private static final double[] FD_STEPS = {-2, -1, 1, 2};
  /** Largest accepted relative error of the double interpreter against finite differences. */
  static final double FD_TOLERANCE = 1e-6;
  /** Input draws tried before giving up on keeping every kinked unit off its kink. */
  private static final int KINK_DRAWS = 20;

  /** The name of the table's first row, which compares the loss rather than a tensor. */
  static final String LOSS_ROW = "loss";
  /** How many times the float interpreter's own rounding error the float class may be off. */
  static final double NOISE_FACTOR = 4;

  /**
   * One row of the table: the loss or a tensor, with its largest errors relative to its largest
   * exact entry (the loss: to 1 + |loss|). {@code floatTolerance} is the larger of N·2⁻²⁴ and
   * {@link #NOISE_FACTOR} times the float interpreter's error; both float fields are 0 for a
   * double network.
   */
  record Row(String name, String shape, double twinError, double floatError,
      double floatTolerance, double fdError) {}

  /**
   * What a check measured: the rows, the generated and exact loss, the input draws, whether a
   * kinked unit is still near its kink after the last draw, and the finite-difference entries
   * skipped because their steps cross a kink.
   */
  record Result(List<Row> rows, double loss, double exactLoss, int draws, boolean nearKink,
      int fdSkipped) {}

  /** Where the gradient is taken, and the side of every kinked unit there. */
  private record Point(double[] params, double[] xs, double[] ts, BitSet sides) {}

  private final Network net;
  private final BiFunction<Network, CodegenPolicy.Backend, Object> classes;
  private final CodegenPolicy.Backend backend;
  private final int batch;
  private final long seed;
  private final boolean isFloat;
  private final double doubleBound;
  private final double floatBound;

  GradientCheck(Network net, BiFunction<Network, CodegenPolicy.Backend, Object> classes,
      CodegenPolicy.Backend backend, int batch, long seed) {
    this.net = net;
    this.classes = classes;
    this.backend = backend;
    this.batch = batch;
    this.seed = seed;
    this.isFloat = net.precision() == Precision.FLOAT;
    this.doubleBound = RoundingBound.of(net, batch, Precision.DOUBLE);
    this.floatBound = RoundingBound.of(net, batch, Precision.FLOAT);
  }

  /**
   * Runs the check and prints its table to {@code out}; returns what failed, as
   * {@code TENSOR (NETWORK)} (empty if all passed).
   */
  List<String> run(PrintWriter out) {
    return print(measure(), out);
  }

  /** Prints the table of {@code result}; returns what failed, as in {@link #run}. */
  List<String> print(Result result, PrintWriter out) {
    out.printf(Locale.ROOT, "%s (%s, %s, batch %d, seed %d, %s backend)%n", net.name(),
        net.precision().javaType(), net.loss().orElseThrow().describe(), batch, seed,
        backend.name().toLowerCase(Locale.ROOT));
    out.printf(Locale.ROOT, "  loss: %s %.9g, exact %.9g%n", isFloat ? "float" : "generated",
        result.loss(), result.exactLoss());
    if (result.draws() > 1) {
      out.printf(Locale.ROOT, "  (inputs drawn %d times to keep relu-like units off their "
          + "kinks, where rounding may pick either side%s)%n", result.draws(),
          result.nearKink() ? "; one still is, so a float error there may be rounding" : "");
    }
    if (result.fdSkipped() > 0) {
      out.printf(Locale.ROOT, "  (%d finite-difference entries skipped: their steps cross a "
          + "kink, a relu-like unit or a max-pool switch)%n", result.fdSkipped());
    }
    out.printf(Locale.ROOT, "  %-20s %-12s %20s%s %20s%n", "tensor", "shape",
        isFloat ? "double twin vs exact" : "generated vs exact",
        isFloat ? String.format(Locale.ROOT, " %15s %15s", "float vs exact", "float tolerance")
            : "",
        "exact vs finite diff");
    List<String> failed = new ArrayList<>();
    for (Row r : result.rows()) {
      boolean good = passes(r);
      if (!good) {
        failed.add(r.name() + " (" + net.name() + ")");
      }
      out.printf(Locale.ROOT, "  %-20s %-12s %20.2e%s %20s%s%n", r.name(), r.shape(),
          r.twinError(), isFloat ? String.format(Locale.ROOT, " %15.2e %15.2e", r.floatError(),
              r.floatTolerance()) : "",
          r.name().equals(LOSS_ROW) ? "-" : Double.isNaN(r.fdError()) ? "all skipped"
              : String.format(Locale.ROOT, "%.2e", r.fdError()),
          good ? "" : "  FAILED");
    }
    out.printf(Locale.ROOT, "  %s (tolerances, relative to each tensor's largest exact entry "
        + "and to 1 + |loss|;%n      N = %d terms summed along the longest chain: the batch "
        + "and every layer's fan-in and fan-out)%n", failed.isEmpty() ? "ok" : "FAILED",
        RoundingBound.reductionLength(net, batch));
    out.printf(Locale.ROOT, "    %-22s N·2⁻⁵³ = %.1e%n",
        isFloat ? "double twin vs exact" : "generated vs exact", doubleBound);
    if (isFloat) {
      out.printf(Locale.ROOT, "    %-22s N·2⁻²⁴ = %.1e, or %.0f× the float interpreter's own "
          + "error if larger%n", "float vs exact", floatBound, NOISE_FACTOR);
    }
    out.printf(Locale.ROOT, "    %-22s %.0e%n", "exact vs finite diff", FD_TOLERANCE);
    return failed;
  }

  /** The largest error of a result as a share of its tolerance (1 = at the limit). */
  double worstShareOfTolerance(Result result) {
    double worst = 0;
    for (Row r : result.rows()) {
      double fd = Double.isNaN(r.fdError()) ? 0 : r.fdError();
      worst = Math.max(worst, Math.max(r.twinError() / doubleBound, fd / FD_TOLERANCE));
      if (isFloat) {
        worst = Math.max(worst, r.floatError() / r.floatTolerance());
      }
    }
    return worst;
  }

  /** True if a row is within every bound (NaN never is). */
  boolean passes(Row r) {
    return r.twinError() <= doubleBound
        && (Double.isNaN(r.fdError()) || r.fdError() <= FD_TOLERANCE)
        && (!isFloat || r.floatError() <= r.floatTolerance());
  }

  /** Computes every gradient on random parameters and inputs and compares them. */
  Result measure() {
    SplitMix64 rng = new SplitMix64(seed);
    double[] params = randomParameters(rng);
    double[] xs = randomInputs(rng);
    int draws = 1;
    double eps = RoundingBound.epsilon(net.precision());
    boolean nearKink = Kinks.nearKink(net, params, xs, batch, eps);
    while (nearKink && draws < KINK_DRAWS) {
      xs = randomInputs(rng);
      draws++;
      nearKink = Kinks.nearKink(net, params, xs, batch, eps);
    }
    double[] ts = randomTargets(rng);

    Interpreter exact = new Interpreter(net.withPrecision(Precision.DOUBLE), params);
    double[] exactGrad = new double[params.length];
    double exactLoss = exact.gradient(xs, ts, batch, exactGrad);
    double[] twinGrad = new double[params.length];
    Object twin = classes.apply(net.withPrecision(Precision.DOUBLE), backend);
    double twinLoss = generatedGradient(twin, params, xs, ts, twinGrad);
    double[] floatGrad = isFloat ? new double[params.length] : twinGrad;
    double floatLoss = isFloat
        ? generatedGradient(classes.apply(net, backend), params, xs, ts, floatGrad) : twinLoss;

    // The interpreter at the network's precision: its distance from the exact gradient is the
    // rounding error that float arithmetic itself costs on these values.
    double[] noisyGrad = new double[params.length];
    double noisyLoss = isFloat ? new Interpreter(net, params).gradient(xs, ts, batch, noisyGrad)
        : exactLoss;

    List<Row> rows = new ArrayList<>();
    Point at = new Point(params, xs, ts, Kinks.sides(net, params, xs, batch));
    int[] fdSkipped = {0};
    double lossScale = 1 + Math.abs(exactLoss);
    rows.add(row(LOSS_ROW, "[]", Math.abs(twinLoss - exactLoss) / lossScale,
        Math.abs(floatLoss - exactLoss) / lossScale, Math.abs(noisyLoss - exactLoss) / lossScale,
        0));
    // A tensor whose gradient is all but zero is measured against a millionth of the largest.
    double scaleFloor = Math.max(1e-6 * maxAbs(exactGrad, 0, exactGrad.length),
        Double.MIN_NORMAL);
    for (TensorSpec t : net.parameterLayout()) {
      double scale = Math.max(maxAbs(exactGrad, t.offset(), t.offset() + t.size()), scaleFloor);
      double fd = finiteDifferenceError(exact, at, exactGrad, exactLoss, t, rng, fdSkipped);
      rows.add(row(t.name(), Arrays.toString(t.shape()), maxDiff(twinGrad, exactGrad, t) / scale,
          maxDiff(floatGrad, exactGrad, t) / scale, maxDiff(noisyGrad, exactGrad, t) / scale,
          fd));
    }
    return new Result(rows, floatLoss, exactLoss, draws, nearKink, fdSkipped[0]);
  }

  private Row row(String name, String shape, double twinError, double floatError,
      double interpreterError, double fdError) {
    return isFloat
        ? new Row(name, shape, twinError, floatError,
            Math.max(floatBound, NOISE_FACTOR * interpreterError), fdError)
        : new Row(name, shape, twinError, 0, 0, fdError);
  }

  /**
   * The largest relative error of the exact gradient against finite differences, on up to
   * {@link #FD_SAMPLES} entries of {@code t} whose difference quotient does not straddle a kink
   * (counted in {@code skipped[0]} otherwise: there the quotient mixes two slopes). In a network
   * whose kinks {@link Kinks} follows, a sample is skipped when its outermost steps move a kinked
   * unit to the other side (a unit's z is linear in one weight and smooth in the others, so it
   * does not cross and come back within the steps). Elsewhere (image layers: relu units and
   * max-pool switches) a sample is skipped when the quotients at two step sizes disagree: a
   * crossing shifts them by different amounts, while a wrong gradient leaves them agreeing with
   * each other and not with it.
   */
  private double finiteDifferenceError(Interpreter exact, Point at, double[] exactGrad,
      double exactLoss, TensorSpec t, SplitMix64 rng, int[] skipped) {
    double[] params = at.params();
    boolean tracked = Kinks.tracks(net);
    boolean all = t.size() <= FD_SAMPLES;
    int tries = all ? t.size() : 4 * FD_SAMPLES;
    double floor = 1e-5 * (1 + exactLoss);
    double worst = 0;
    int used = 0;
    for (int s = 0; s < tries && used < FD_SAMPLES; s++) {
      int i = t.offset() + (all ? s : rng.nextInt(t.size()));
      double fd;
      if (tracked) {
        if (stepsCrossAKink(at, i)) {
          skipped[0]++;
          continue;
        }
        fd = fivePoint(exact, at, i, FD_STEP);
      } else {
        double coarse = fivePoint(exact, at, i, FD_STEP);
        fd = fivePoint(exact, at, i, FD_STEP / 10);
        if (Math.abs(coarse - fd) > FD_TOLERANCE * Math.max(Math.abs(fd), floor)) {
          skipped[0]++;
          continue;
        }
      }
      used++;
      double diff = Math.abs(exactGrad[i] - fd);
      double scale = Math.max(Math.abs(exactGrad[i]) + Math.abs(fd), floor);
      worst = Math.max(worst, diff / scale);
    }
    return used == 0 && tries > 0 ? Double.NaN : worst; // NaN: every entry was skipped
  }

  /** True if the outermost finite-difference steps in parameter {@code i} move a kinked unit. */
  private boolean stepsCrossAKink(Point at, int i) {
    double[] p = at.params().clone();
    p[i] = at.params()[i] + FD_STEPS[0] * FD_STEP;
    if (!Kinks.sides(net, p, at.xs(), batch).equals(at.sides())) {
      return true;
    }
    p[i] = at.params()[i] + FD_STEPS[FD_STEPS.length - 1] * FD_STEP;
    return !Kinks.sides(net, p, at.xs(), batch).equals(at.sides());
  }

  /** The five-point central difference of the exact loss in parameter {@code i}. */
  private double fivePoint(Interpreter exact, Point at, int i, double step) {
    double[] p = at.params().clone();
    double[] losses = new double[FD_STEPS.length];
    for (int k = 0; k < FD_STEPS.length; k++) {
      p[i] = at.params()[i] + FD_STEPS[k] * step;
      exact.setParameters(p);
      losses[k] = exact.loss(at.xs(), at.ts(), batch);
    }
    exact.setParameters(at.params());
    return (losses[0] - 8 * losses[1] + 8 * losses[2] - losses[3]) / (12 * step);
  }

  /** The initial parameters plus noise (so biases are nonzero and every parameter matters). */
  private double[] randomParameters(SplitMix64 rng) {
    double[] params = Interpreter.initialParameters(net);
    for (int i = 0; i < params.length; i++) {
      params[i] = net.precision().round(params[i] + 0.1 * (2 * rng.nextDouble() - 1));
    }
    return params;
  }

  private double[] randomInputs(SplitMix64 rng) {
    double[] xs = new double[batch * net.inputSize()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = net.precision().round(2 * rng.nextDouble() - 1);
    }
    return xs;
  }

  private double[] randomTargets(SplitMix64 rng) {
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

  /** The gradient of a generated class of either precision, with its parameters set. */
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

  private static double maxDiff(double[] a, double[] b, TensorSpec t) {
    double worst = 0;
    for (int i = t.offset(); i < t.offset() + t.size(); i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }

  private static double maxAbs(double[] v, int from, int to) {
    double max = 0;
    for (int i = from; i < to; i++) {
      max = Math.max(max, Math.abs(v[i]));
    }
    return max;
  }

  private static float[] toFloats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }
}
