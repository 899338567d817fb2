package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.testing.RandomNetworks;
import dev.netc.testing.RandomNetworks.LossKind;
import dev.netc.testing.RandomNetworks.OptimizerKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Generated classes against the interpreter on hundreds of random networks (depth 1–5, widths
 * 1–300, every activation, loss and optimizer, both precisions, batches 1–16): initial
 * parameters, predictions, loss, gradient, and the losses and parameters over three training
 * steps.
 *
 * <p>The base seed is fixed so that CI is reproducible; {@code -Dnetc.codegen.seed=BASE} explores
 * other networks, {@code -Dnetc.codegen.cases=N} runs more, and a failure names the seed of its
 * case ({@code -Dnetc.codegen.case=SEED} replays just that one).
 */
class CodegenPropertyTest {
  private static final int CASES = Integer.getInteger("netc.codegen.cases", 200);
  private static final int PER_JAVAC_CALL = 25;
  private static final RandomNetworks SHAPES = new RandomNetworks(1, 5, 1, 300,
      List.of(Precision.FLOAT, Precision.DOUBLE),
      List.of(LossKind.MSE, LossKind.BCE, LossKind.CROSS_ENTROPY, LossKind.NONE),
      List.of(OptimizerKind.SGD, OptimizerKind.ADAM));

  /** One drawn case: the network, its batch, and the seed that reproduces both. */
  private record Case(long seed, Network network, int batch, Random rnd) {}

  @Test
  void generatedCodeMatchesInterpreter() {
    long base = Long.getLong("netc.codegen.seed", 20260101L);
    String single = System.getProperty("netc.codegen.case");
    List<Case> cases = new ArrayList<>();
    if (single != null) {
      cases.add(draw(Long.parseLong(single)));
    } else {
      for (int i = 0; i < CASES; i++) {
        cases.add(draw(base + i));
      }
    }
    List<String> failures = new ArrayList<>();
    Agreement worst = new Agreement();
    long javacNanos = 0;
    for (int from = 0; from < cases.size(); from += PER_JAVAC_CALL) {
      List<Case> chunk = cases.subList(from, Math.min(cases.size(), from + PER_JAVAC_CALL));
      List<Network> nets = chunk.stream().map(Case::network).toList();
      long t0 = System.nanoTime();
      List<Generated> gens = Generated.compile(nets, "gen.property", CodegenPolicy.defaults());
      javacNanos += System.nanoTime() - t0;
      for (int i = 0; i < chunk.size(); i++) {
        Case c = chunk.get(i);
        try {
          check(c, gens.get(i), worst);
        } catch (AssertionError | RuntimeException e) {
          failures.add("-Dnetc.codegen.case=" + c.seed() + " (" + describe(c) + "): " + e);
        }
      }
    }
    System.out.printf(Locale.ROOT, "codegen property: %d cases, javac %.1f ms/class; %s%n",
        cases.size(), javacNanos / 1e6 / cases.size(), worst);
    failures.forEach(f -> System.out.println("FAILED " + f));
    if (!failures.isEmpty()) {
      fail(failures.size() + " of " + cases.size() + " cases failed (base seed " + base + "):\n"
          + String.join("\n", failures.subList(0, Math.min(8, failures.size()))));
    }
  }

  private static Case draw(long seed) {
    Random rnd = new Random(seed);
    Network net = SHAPES.network(rnd, "Net" + Long.toHexString(seed).toUpperCase(Locale.ROOT));
    return new Case(seed, net, 1 + rnd.nextInt(16), rnd);
  }

  private static String describe(Case c) {
    Network n = c.network();
    StringBuilder sb = new StringBuilder(n.precision().javaType()).append(' ')
        .append(n.inputSize());
    n.layers().forEach(l -> sb.append('-').append(l.outSize()).append(' ')
        .append(l.activation().keyword()));
    sb.append(", ").append(n.loss().map(l -> l.describe()).orElse("no loss"))
        .append(", ").append(n.optimizer().describe()).append(", batch ").append(c.batch());
    return sb.toString();
  }

  private static void check(Case c, Generated gen, Agreement worst) {
    Network net = c.network();
    Interpreter ref = new Interpreter(net);
    Tolerance tol = Tolerance.of(net.precision());
    int n = c.batch();
    double[] params = gen.parameters();
    double[] refParams = new double[net.parameterCount()];
    ref.getParameters(refParams);
    tol.assertExact("initial parameters", params, refParams);

    double[] xs = RandomNetworks.inputs(c.rnd(), net, n);
    double[] out = gen.predictBatch(xs, n, net.outputSize());
    double[] refOut = new double[out.length];
    ref.predictBatch(xs, refOut, n);
    worst.note("predict", tol.check("predictions", out, refOut, rows(n, net.outputSize())));
    if (net.loss().isEmpty()) {
      return;
    }
    double[] ts = RandomNetworks.targets(c.rnd(), net, n);
    worst.note("loss", tol.check("loss", gen.loss(xs, ts, n), ref.loss(xs, ts, n)));
    double[] grad = new double[net.parameterCount()];
    double[] refGrad = new double[grad.length];
    double l = gen.gradient(xs, ts, n, grad);
    double refL = ref.gradient(xs, ts, n, refGrad);
    worst.note("loss", tol.check("gradient loss", l, refL));
    worst.note("gradient", tol.check("gradient", grad, refGrad, tensors(net)));
    for (int step = 1; step <= 3; step++) {
      double[] bx = RandomNetworks.inputs(c.rnd(), net, n);
      double[] bt = RandomNetworks.targets(c.rnd(), net, n);
      worst.note("loss", tol.check("loss of step " + step, gen.trainBatch(bx, bt, n),
          ref.trainBatch(bx, bt, n)));
    }
    ref.getParameters(refParams);
    worst.note("trained", tol.check("parameters after 3 steps", gen.parameters(), refParams,
        tensors(net)));
  }

  private static int[] rows(int n, int width) {
    int[] sizes = new int[n];
    java.util.Arrays.fill(sizes, width);
    return sizes;
  }

  private static int[] tensors(Network net) {
    return net.parameterLayout().stream().mapToInt(t -> t.size()).toArray();
  }

  /** The largest error seen per quantity, for the report. */
  private static final class Agreement {
    private final java.util.Map<String, Double> worst = new java.util.TreeMap<>();

    void note(String what, double err) {
      worst.merge(what, err, Math::max);
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("worst relative errors:");
      worst.forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s %.2g", k, v)));
      return sb.toString();
    }
  }
}
