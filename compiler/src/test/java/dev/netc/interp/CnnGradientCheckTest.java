package dev.netc.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.ir.Conv2d;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.TensorSpec;
import dev.netc.testing.RandomNetworks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The interpreter's CNN backpropagation on hundreds of random CNNs per run (1–3 conv2d layers, 1–16
 * channels, kernels 1–5, strides 1–3, padding 0–2 or same, max and average pools, flatten, every
 * activation and loss, both precisions, batches 1–8). Double networks are checked against
 * five-point finite differences of {@link CnnReference}; float networks against the interpreter's
 * double gradient of the same parameters (float rounding is what they add).
 *
 * <p>The base seed changes every run and is printed; replay one case with
 * {@code -Dnetc.cnncheck.case=SEED}, a run with {@code -Dnetc.cnncheck.seed=BASE}.
 */
class CnnGradientCheckTest {
  private static final int CASES = Integer.getInteger("netc.cnncheck.cases", 320);
  /** Multiply-adds per example at most: enough for 16 channels of 5x5 kernels on small images. */
  private static final long MAX_WORK = 12_000;
  private static final double H = 1e-3;
  private static final double TOLERANCE = 1e-6;
  private static final double FLOAT_TOLERANCE = 1e-3;
  private static final int PER_TENSOR = 3;

  private static final Set<String> REQUIRED = Set.of("identity", "sigmoid", "tanh", "relu",
      "leaky_relu", "elu", "softplus", "softmax", "mse", "binary_cross_entropy",
      "cross_entropy", "maxpool", "avgpool", "flatten", "same", "stride 3", "kernel 5",
      "16 channels", "3 convs", "float", "double", "batch 8");

  private record Result(int checked, int skipped, double worst) {}

  @Test
  void cnnGradientsMatchFiniteDifferences() {
    String single = System.getProperty("netc.cnncheck.case");
    if (single != null) {
      System.out.println("case " + single + ": " + check(Long.parseLong(single), new HashSet<>()));
      return;
    }
    long base = Long.getLong("netc.cnncheck.seed", System.nanoTime());
    System.out.println("CNN gradient check: " + CASES + " cases, -Dnetc.cnncheck.seed=" + base);
    List<String> failures = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int checked = 0;
    int skipped = 0;
    double worst = 0;
    for (int i = 0; i < CASES; i++) {
      long seed = base + i;
      try {
        Result r = check(seed, seen);
        checked += r.checked();
        skipped += r.skipped();
        worst = Math.max(worst, r.worst());
      } catch (AssertionError | RuntimeException e) {
        failures.add("-Dnetc.cnncheck.case=" + seed + ": " + e.getMessage());
      }
    }
    System.out.printf("CNN gradient check: %d gradients compared, %d skipped at kinks, worst "
        + "%.3g%n", checked, skipped, worst);
    if (!failures.isEmpty()) {
      fail(failures.size() + " of " + CASES + " cases failed, e.g.\n"
          + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
    }
    assertTrue(skipped < 0.1 * (checked + skipped), "too many kinks: " + skipped);
    Set<String> missing = new TreeSet<>(REQUIRED);
    missing.removeAll(seen);
    assertTrue(missing.isEmpty(), "not covered by this run: " + missing);
  }

  private static Result check(long seed, Set<String> seen) {
    Random rnd = new Random(seed);
    RandomNetworks gen = RandomNetworks.defaults().withPrecisions(Precision.FLOAT,
        Precision.DOUBLE);
    Network net = gen.cnn(rnd, "cnn" + seed, MAX_WORK);
    int batch = 1 + rnd.nextInt(8);
    record(net, batch, seen);
    double[] xs = RandomNetworks.inputs(rnd, net, batch);
    double[] ts = RandomNetworks.targets(rnd, net, batch);
    double[] params = Interpreter.initialParameters(net);
    for (TensorSpec t : net.parameterLayout()) {
      if (t.name().endsWith(".bias")) {
        for (int j = 0; j < t.size(); j++) {
          params[t.offset() + j] = net.precision().round(0.2 * rnd.nextGaussian());
        }
      }
    }
    Network exact = net.withPrecision(Precision.DOUBLE);
    double[] grad = new double[net.parameterCount()];
    double loss = new Interpreter(exact, params).gradient(xs, ts, batch, grad);
    CnnReference ref = new CnnReference(exact);
    double reference = ref.loss(params, xs, ts, batch);
    assertEquals(reference, loss, 1e-10 * Math.max(1, Math.abs(reference)), "loss");
    if (net.precision() == Precision.FLOAT) {
      return floatAgainstDouble(net, params, xs, ts, batch, grad, loss, ref.margin);
    }
    List<Double> pattern = List.copyOf(ref.pattern);
    int checked = 0;
    int skipped = 0;
    double worst = 0;
    String where = "";
    for (TensorSpec spec : net.parameterLayout()) {
      for (int idx : sample(rnd, spec)) {
        double saved = params[idx];
        double[] c = new double[4];
        double[] steps = {-2 * H, -H, H, 2 * H};
        boolean kink = false;
        for (int s = 0; s < 4; s++) {
          params[idx] = saved + steps[s];
          c[s] = ref.loss(params, xs, ts, batch);
          kink |= !pattern.equals(ref.pattern);
        }
        params[idx] = saved;
        if (kink) {
          skipped++;
          continue;
        }
        double fd = (8 * (c[2] - c[1]) - (c[3] - c[0])) / (12 * H);
        double err = relative(grad[idx], fd, loss, 1e-5);
        if (err > worst) {
          worst = err;
          where = spec.name() + "[" + (idx - spec.offset()) + "] g=" + grad[idx] + " fd=" + fd;
        }
        checked++;
      }
    }
    if (worst > TOLERANCE) {
      throw new AssertionError("relative error " + worst + " at " + where + " in "
          + describe(net, batch));
    }
    return new Result(checked, skipped, worst);
  }

  /** A float network's gradient against the double gradient, unless a kink is too close. */
  private static Result floatAgainstDouble(Network net, double[] params, double[] xs,
      double[] ts, int batch, double[] exactGrad, double exactLoss, double margin) {
    if (margin < 1e-3) {
      return new Result(0, 1, 0); // float rounding could move an input across a kink
    }
    double[] grad = new double[params.length];
    double loss = new Interpreter(net, params).gradient(xs, ts, batch, grad);
    assertEquals(exactLoss, loss, 1e-4 * (1 + Math.abs(exactLoss)), "float loss");
    double worst = 0;
    String where = "";
    for (int i = 0; i < grad.length; i++) {
      double err = relative(grad[i], exactGrad[i], exactLoss, 1e-3);
      if (err > worst) {
        worst = err;
        where = "parameter " + i + " float " + grad[i] + " double " + exactGrad[i];
      }
    }
    if (worst > FLOAT_TOLERANCE) {
      throw new AssertionError("float relative error " + worst + " at " + where + " in "
          + describe(net, batch));
    }
    return new Result(grad.length, 0, 0);
  }

  /** Relative error with a floor of {@code floor} (1 + |loss|), as in GradientCheckTest. */
  private static double relative(double a, double b, double loss, double floor) {
    return Math.abs(a - b) / Math.max(Math.abs(a) + Math.abs(b), floor * (1 + Math.abs(loss)));
  }

  private static int[] sample(Random rnd, TensorSpec spec) {
    int n = spec.size();
    if (n <= PER_TENSOR) {
      return java.util.stream.IntStream.range(spec.offset(), spec.offset() + n).toArray();
    }
    return rnd.ints(spec.offset(), spec.offset() + n).distinct().limit(PER_TENSOR).toArray();
  }

  private static void record(Network net, int batch, Set<String> seen) {
    int convs = 0;
    for (Layer l : net.layers()) {
      seen.add(l.activation().keyword());
      seen.add(l.kind());
      if (l instanceof Conv2d c) {
        convs++;
        if (c.window().strideHeight() == 3) {
          seen.add("stride 3");
        }
        if (c.window().kernelHeight() == 5 || c.window().kernelWidth() == 5) {
          seen.add("kernel 5");
        }
        if (c.outChannels() == 16) {
          seen.add("16 channels");
        }
        if (c.window().padHeight() > 0 && c.outputShape().height() == c.inputShape().height()
            && c.outputShape().width() == c.inputShape().width()) {
          seen.add("same");
        }
      }
    }
    seen.add(convs + " convs");
    seen.add(net.loss().map(Loss::keyword).orElse("none"));
    seen.add(net.precision().javaType());
    seen.add("batch " + batch);
  }

  private static String describe(Network net, int batch) {
    StringBuilder sb = new StringBuilder(net.input().describe());
    for (Layer l : net.layers()) {
      sb.append(" -> ").append(l.describe()).append(' ').append(l.activation().describe());
    }
    return sb.append(", ").append(net.loss().orElseThrow().describe()).append(", batch ")
        .append(batch).toString();
  }
}
