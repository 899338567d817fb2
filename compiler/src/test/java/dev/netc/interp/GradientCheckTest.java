package dev.netc.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.runtime.TensorSpec;
import dev.netc.testing.RandomNetworks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Backpropagation against finite differences on hundreds of random networks (depth 1–5, widths
 * 1–40, every activation and legal loss pair, both reductions, batches 1–16), in double.
 *
 * <p>The base seed changes every run and is printed; a failure names the seed of its case.
 * Replay one case with {@code -Dnetc.gradcheck.case=SEED}, a whole run with
 * {@code -Dnetc.gradcheck.seed=BASE}; {@code -Dnetc.gradcheck.cases=N} runs more cases.
 */
class GradientCheckTest {
  private static final int CASES = Integer.getInteger("netc.gradcheck.cases", 300);
  private static final double TOLERANCE = 1e-6;
  // Five-point central difference: truncation error O(h⁴), so h can be large enough that the
  // rounding noise of the loss (≈ 1e-16 |C| / h) stays far below the tolerance.
  private static final double H = 1e-3;
  private static final int PER_TENSOR = 6;

  /** Outcome of one case: parameters compared, skipped at a kink, and the worst error. */
  private record Result(int checked, int skipped, double worstError, String worstWhere) {}

  /** Coverage that every run must reach: each activation, and each legal output/loss pair. */
  private static final Set<String> REQUIRED = Set.of("identity", "sigmoid", "tanh", "relu",
      "leaky_relu", "elu", "softplus", "softmax", "sum", "mean", "mse/identity", "mse/sigmoid",
      "mse/tanh", "mse/relu", "mse/leaky_relu", "mse/elu", "mse/softplus",
      "binary_cross_entropy/sigmoid", "cross_entropy/softmax");

  @Test
  void gradientsMatchFiniteDifferences() {
    String single = System.getProperty("netc.gradcheck.case");
    if (single != null) {
      Result r = check(Long.parseLong(single), new HashSet<>());
      System.out.println("case " + single + ": " + r);
      return;
    }
    long base = Long.getLong("netc.gradcheck.seed", System.nanoTime());
    System.out.println("gradient check: " + CASES + " cases, -Dnetc.gradcheck.seed=" + base);
    List<String> failures = new ArrayList<>();
    int checked = 0;
    int skipped = 0;
    double worst = 0;
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < CASES; i++) {
      long seed = base + i;
      try {
        Result r = check(seed, seen);
        checked += r.checked();
        skipped += r.skipped();
        worst = Math.max(worst, r.worstError());
      } catch (AssertionError | RuntimeException e) {
        failures.add("-Dnetc.gradcheck.case=" + seed + ": " + e.getMessage());
      }
    }
    System.out.printf("gradient check: %d parameters compared, %d skipped at kinks, worst %.3g%n",
        checked, skipped, worst);
    if (!failures.isEmpty()) {
      fail(failures.size() + " of " + CASES + " cases failed, e.g.\n"
          + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
    }
    // Kinks must be the exception, or the check would prove little.
    assertTrue(skipped < 0.05 * (checked + skipped), "too many kinks: " + skipped);
    Set<String> missing = new TreeSet<>(REQUIRED);
    missing.removeAll(seen);
    assertTrue(missing.isEmpty(), "not covered by this run: " + missing);
  }

  private static Result check(long seed, Set<String> seen) {
    Random rnd = new Random(seed);
    Network net = RandomNetworks.defaults().network(rnd, "case" + seed);
    Loss lossFn = net.loss().orElseThrow();
    net.layers().forEach(l -> seen.add(l.activation().keyword()));
    seen.add(lossFn.reduction().keyword());
    seen.add(lossFn.keyword() + "/" + net.outputLayer().activation().keyword());
    int batch = 1 + rnd.nextInt(16);
    double[] xs = RandomNetworks.inputs(rnd, net, batch);
    double[] ts = RandomNetworks.targets(rnd, net, batch);
    double[] params = Interpreter.initialParameters(net);
    for (Layer l : net.layers()) {
      // Non-zero biases, so that the bias path is exercised with values other than the initial 0.
      for (int j = 0; j < l.outSize(); j++) {
        params[net.biasOffset(l.index()) + j] = 0.2 * rnd.nextGaussian();
      }
    }
    Interpreter interp = new Interpreter(net, params);
    double[] grad = new double[net.parameterCount()];
    double loss = interp.gradient(xs, ts, batch, grad);
    double[] pattern = new double[kinkCount(net, batch)];
    double reference = referenceLoss(net, params, xs, ts, batch, pattern);
    assertEquals(reference, loss, 1e-12 * Math.max(1, Math.abs(reference)), "loss");
    assertEquals(loss, interp.loss(xs, ts, batch), 0.0, "loss() and gradient() disagree");

    double[] probe = new double[pattern.length];
    int checked = 0;
    int skipped = 0;
    double worst = 0;
    String worstWhere = "";
    for (TensorSpec spec : net.parameterLayout()) {
      for (int idx : sample(rnd, spec)) {
        double saved = params[idx];
        double[] c = new double[4];
        boolean kink = false;
        double[] steps = {-2 * H, -H, H, 2 * H};
        for (int s = 0; s < 4; s++) {
          params[idx] = saved + steps[s];
          c[s] = referenceLoss(net, params, xs, ts, batch, probe);
          kink |= !sameSide(pattern, probe);
        }
        params[idx] = saved;
        if (kink) {
          skipped++;
          continue;
        }
        double fd = (8 * (c[2] - c[1]) - (c[3] - c[0])) / (12 * H);
        double g = grad[idx];
        // Relative error with a floor. The differences c[s] carry rounding noise of roughly
        // 1e-16 |C| / H = 1e-13 |C|, so a component far smaller than the loss cannot be resolved
        // relative to its own size. Below a floor of 1e-5 (1 + |C|) the bound becomes absolute,
        // |g - fd| <= 1e-11 (1 + |C|), still about a hundred times that noise. (Measured over
        // 3000 cases: worst 4e-8 with this floor; with a floor of 1e-8 a few components of size
        // 1e-8 fail at exactly the noise level, which is why the floor is there.)
        double err = Math.abs(g - fd) / Math.max(Math.abs(g) + Math.abs(fd),
            1e-5 * (1 + Math.abs(loss)));
        if (err > worst) {
          worst = err;
          worstWhere = spec.name() + "[" + (idx - spec.offset()) + "] g=" + g + " fd=" + fd;
        }
        checked++;
      }
    }
    if (worst > TOLERANCE) {
      throw new AssertionError("relative error " + worst + " at " + worstWhere + " in "
          + describe(net, batch));
    }
    return new Result(checked, skipped, worst, worstWhere);
  }

  /** Up to {@link #PER_TENSOR} distinct random flat indices of one tensor. */
  private static int[] sample(Random rnd, TensorSpec spec) {
    int n = spec.size();
    if (n <= PER_TENSOR) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> spec.offset() + i);
      return all;
    }
    return rnd.ints(spec.offset(), spec.offset() + n).distinct().limit(PER_TENSOR).toArray();
  }

  private static int kinkCount(Network net, int batch) {
    int n = 0;
    for (Layer l : net.layers()) {
      if (l.activation().isReluFamily()) {
        n += l.outSize();
      }
    }
    return n * batch;
  }

  private static boolean sameSide(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      if ((a[i] > 0) != (b[i] > 0)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The loss written out again in the plainest way, independent of the interpreter's loops (it
   * shares only the activation and loss formulas from the IR); records every relu-family z in
   * {@code kinks} so that a step across a kink can be detected.
   */
  static double referenceLoss(Network net, double[] params, double[] xs, double[] ts, int batch,
      double[] kinks) {
    int kink = 0;
    double sum = 0;
    int width = net.targetWidth();
    for (int b = 0; b < batch; b++) {
      double[] prev = Arrays.copyOfRange(xs, b * net.inputSize(), (b + 1) * net.inputSize());
      double[] z = null;
      for (Layer l : net.layers()) {
        z = new double[l.outSize()];
        double[] act = new double[l.outSize()];
        for (int j = 0; j < l.outSize(); j++) {
          double s = params[net.biasOffset(l.index()) + j];
          for (int k = 0; k < l.inSize(); k++) {
            s += params[net.weightOffset(l.index()) + j * l.inSize() + k] * prev[k];
          }
          z[j] = s;
          if (l.activation().isReluFamily()) {
            kinks[kink++] = s;
          }
        }
        if (l.activation() instanceof Activation.Softmax) {
          Activation.Softmax.apply(z, act);
        } else {
          for (int j = 0; j < z.length; j++) {
            act[j] = l.activation().value(z[j]);
          }
        }
        prev = act;
      }
      sum += net.loss().orElseThrow().exampleLoss(z, prev, ts, b * width);
    }
    return sum * net.loss().orElseThrow().scale(batch, net.outputSize());
  }

  static String describe(Network net, int batch) {
    StringBuilder sb = new StringBuilder();
    sb.append(net.inputSize());
    for (Layer l : net.layers()) {
      sb.append(" -> ").append(l.outSize()).append(' ').append(l.activation().describe());
    }
    return sb.append(", ").append(net.loss().orElseThrow().describe()).append(", batch ")
        .append(batch).toString();
  }
}
