package dev.netc.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.testing.RandomNetworks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Float networks against their double twins: same parameters and data (all float-representable),
 * so the only difference is float rounding. Also checks that a float network never holds a value
 * that float code could not hold. Seeds as in {@link GradientCheckTest}
 * ({@code -Dnetc.floatcheck.seed=BASE}).
 */
class FloatPrecisionTest {
  private static final int CASES = Integer.getInteger("netc.floatcheck.cases", 100);

  @Test
  void floatNetworksTrackTheDoubleReference() {
    long base = Long.getLong("netc.floatcheck.seed", System.nanoTime());
    System.out.println("float check: -Dnetc.floatcheck.seed=" + base);
    RandomNetworks gen = RandomNetworks.defaults().withPrecisions(Precision.FLOAT).withWidth(1, 16);
    List<String> failures = new ArrayList<>();
    int compared = 0;
    double worst = 0;
    for (long seed = base; compared < CASES; seed++) {
      Random rnd = new Random(seed);
      Network f = gen.network(rnd, "f");
      Network d = twin(f, Precision.DOUBLE);
      int batch = 1 + rnd.nextInt(16);
      double[] xs = RandomNetworks.inputs(rnd, f, batch);
      double[] ts = RandomNetworks.targets(rnd, f, batch);
      double[] params = Interpreter.initialParameters(f);
      double[] kinks = new double[f.layers().stream()
          .filter(l -> l.activation().isReluFamily()).mapToInt(Layer::outSize).sum() * batch];
      GradientCheckTest.referenceLoss(d, params, xs, ts, batch, kinks);
      // A relu-family unit this close to its kink may land on the other side in float; that is
      // rounding, not a bug, and it changes whole gradient rows, so such draws are redrawn.
      if (Arrays.stream(kinks).anyMatch(z -> Math.abs(z) < 1e-4)) {
        continue;
      }
      compared++;
      try {
        worst = Math.max(worst, compare(f, d, params, xs, ts, batch));
      } catch (AssertionError e) {
        failures.add("seed " + seed + ": " + e.getMessage() + " in "
            + GradientCheckTest.describe(f, batch));
      }
    }
    System.out.printf("float check: %d networks, worst relative gradient difference %.3g%n",
        compared, worst);
    if (!failures.isEmpty()) {
      fail(failures.size() + " failed, e.g.\n" + String.join("\n", failures.subList(0,
          Math.min(5, failures.size()))));
    }
  }

  private static double compare(Network f, Network d, double[] params, double[] xs, double[] ts,
      int batch) {
    Interpreter fi = new Interpreter(f, params);
    Interpreter di = new Interpreter(d, params);
    double[] gf = new double[params.length];
    double[] gd = new double[params.length];
    double lf = fi.gradient(xs, ts, batch, gf);
    double ld = di.gradient(xs, ts, batch, gd);
    assertFloat(lf, "loss");
    assertEquals(ld, lf, 1e-4 * (1 + Math.abs(ld)), "loss");
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < gf.length; i++) {
      assertFloat(gf[i], "gradient");
      diff += (gf[i] - gd[i]) * (gf[i] - gd[i]);
      norm += gd[i] * gd[i];
    }
    double rel = Math.sqrt(diff) / (Math.sqrt(norm) + 1e-6 * (1 + Math.abs(ld)));
    assertTrue(rel < 1e-4, "gradient differs by " + rel + " (norm-wise)");

    double[] yf = new double[batch * f.outputSize()];
    double[] yd = new double[yf.length];
    fi.predictBatch(xs, yf, batch);
    di.predictBatch(xs, yd, batch);
    for (int i = 0; i < yf.length; i++) {
      assertFloat(yf[i], "output");
      assertEquals(yd[i], yf[i], 1e-4 * (1 + Math.abs(yd[i])), "output " + i);
    }

    // Training keeps every parameter a float, whatever the optimizer. (Random learning rates
    // can diverge on a random problem, in double too, so finiteness is not asserted here.)
    for (int step = 0; step < 3; step++) {
      assertFloat(fi.trainBatch(xs, ts, batch), "training loss");
    }
    double[] after = new double[params.length];
    fi.getParameters(after);
    for (double v : after) {
      assertFloat(v, "parameter after training");
    }
    return rel;
  }

  private static void assertFloat(double v, String what) {
    assertEquals(v, (double) (float) v, 0.0, what + " " + v + " is not a float");
  }

  /** The same network in another precision. */
  static Network twin(Network n, Precision p) {
    return new Network(n.name(), n.sourceFile(), n.inputSize(), n.layers(), n.loss(),
        n.optimizer(), n.seed(), p);
  }
}
