package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.StepTeam;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.testing.Draws;
import dev.netc.testing.RandomNetworks;
import dev.netc.testing.RandomNetworks.LossKind;
import dev.netc.testing.RandomNetworks.OptimizerKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A vector class's training steps split over a {@link StepTeam} ({@code BatchEmitter.splitMethods})
 * against the same class stepping on one thread: the losses, parameters and optimizer state
 * must be the same bits after every step, for random multi-layer perceptrons (depth 1–5, widths
 * 1–300 and 1–20, every activation, loss and optimizer, both precisions), every kernel plan a
 * planner can pick and both register tiles, teams of 2 and 3 threads, batches of 2–40 examples
 * in chunks of 8 or of the plan's size (so steps of one chunk and of several), half of the
 * teams in uneven shares of the batched kernels' work ({@link StepTeam#withShares}). A part that
 * computed a row another part also computes, or missed one, or an update that ran before the
 * last read of its weights, shows as a difference. Predictions over the team too, of batches and
 * of one example ({@link PredictSplit}).
 */
class SplitStepTest {
  /** Fixed so that CI is reproducible; {@code -Dnetc.split.seed=BASE} draws other networks. */
  private static final long DEFAULT_BASE = 20261205L;
  private static final long BASE = Long.getLong("netc.split.seed", DEFAULT_BASE);
  private static final RandomNetworks WIDE = new RandomNetworks(1, 5, 1, 300,
      List.of(Precision.FLOAT, Precision.DOUBLE),
      List.of(LossKind.MSE, LossKind.BCE, LossKind.CROSS_ENTROPY),
      List.of(OptimizerKind.SGD, OptimizerKind.ADAM));
  private static final RandomNetworks NARROW = WIDE.withWidth(1, 20);

  @ParameterizedTest
  @EnumSource(value = KernelPlan.Shape.class, names = {"V256", "V512", "V256_DOT", "V512_DOT"})
  void splitStepsAreTheSameBitsAsOneThread(KernelPlan.Shape shape) {
    int i = 0;
    for (CodegenPolicy.RegisterTiles tiles : List.of(CodegenPolicy.RegisterTiles.WIDE,
        CodegenPolicy.RegisterTiles.NARROW)) {
      KernelPlan plan = KernelPlan.of(shape);
      if (tiles == CodegenPolicy.RegisterTiles.NARROW) {
        plan = plan.withChunk(8);
      }
      CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)
          .withPlan(plan).withRegisterTiles(tiles);
      check(policy, WIDE, BASE + 1000L * shape.ordinal() + 100L * i, 6);
      check(CodegenPolicy.alwaysLooped().withBackend(CodegenPolicy.Backend.VECTOR)
          .withPlan(plan).withRegisterTiles(tiles), NARROW,
          BASE + 1000L * shape.ordinal() + 100L * i + 50, 6);
      i++;
    }
  }

  @Test
  void theFashionMlpSplitsLikeOneThread() throws Exception {
    Network net = dev.netc.Frontend.compile("fashion.net", java.nio.file.Files.readString(
        java.nio.file.Path.of("..", "examples", "fashion.net"))).networks().get(0);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    assertTrue(policy.batched(net));
    List<Generated> pair = Generated.compile(List.of(net, net.withName("FashionTwin")),
        "gen.split.fashion", policy);
    // predict over the team: by rows both hidden layers split (800 and 128 KB of weights); over
    // the copies by columns the first splits by its two blocks of inputs (ColumnPredict).
    pair.get(0).instance().getClass().getDeclaredField("predictPhases");
    compare(net, policy, pair.get(0), pair.get(1), new Random(3),
        new int[] {32, 32, 128, 5, 1, 64, 1, 33});
  }

  /**
   * A float tanh layer's σ runs in vectors through the class's one scratch array ({@link
   * VectorTanh}): parts that applied it side by side raced on it (found by this class's random
   * networks, in 5 runs of 6). Many predicts of such a layer over a team, each the same bits as
   * on one thread; also with predict's driver split into helper methods (one layer per method),
   * which then take the example. A closed team then fails predict: it did run over the team.
   */
  @Test
  void aTanhLayerPredictsOverTheTeamLikeOneThread() throws Exception {
    Network net = dev.netc.Frontend.compile("tanh.net", """
        network TanhSplit {
          input 300
          dense 300 tanh
          dense 10 softmax
          loss cross_entropy
          optimizer sgd(lr = 0.01)
          precision float
        }
        """).networks().get(0);
    CodegenPolicy vector = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    for (CodegenPolicy policy : List.of(vector, vector.withLayersPerMethod(1))) {
      List<Generated> pair = Generated.compile(List.of(net, net.withName("TanhSplitTwin")),
          "gen.split.tanh" + policy.layersPerMethod(), policy);
      pair.get(0).instance().getClass().getDeclaredField("predictPhases");
      Random rnd = new Random(5);
      StepTeam team = StepTeam.of(2);
      try (team) {
        assertTrue(useTeam(pair.get(0).instance(), team));
        for (int k = 0; k < 500; k++) {
          double[] x = RandomNetworks.inputs(rnd, net, 1);
          assertTrue(Arrays.equals(pair.get(1).predict(x, 10), pair.get(0).predict(x, 10)),
              policy + ": prediction " + k + " differs");
        }
      }
      double[] x = RandomNetworks.inputs(rnd, net, 1);
      assertThrows(IllegalStateException.class, () -> pair.get(0).predict(x, 10), policy
          + ": predict did not run over the team");
    }
  }

  @Test
  void scalarClassesDoNotSplit() {
    Network net = NARROW.withLosses(LossKind.MSE).network(new Random(1), "Scalar");
    Generated g = Generated.compile(List.of(net), "gen.split.scalar",
        CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.SCALAR)).get(0);
    try (StepTeam team = StepTeam.of(2)) {
      if (g.instance() instanceof TrainableFloatNetwork f) {
        assertFalse(f.splitsSteps());
        assertFalse(f.useStepTeam(team));
      } else {
        TrainableDoubleNetwork d = (TrainableDoubleNetwork) g.instance();
        assertFalse(d.splitsSteps());
        assertFalse(d.useStepTeam(team));
      }
    }
  }

  private static void check(CodegenPolicy policy, RandomNetworks draw, long seed, int count) {
    List<Network> nets = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      Network net = draw.network(new Random(seed + k), "Split" + k);
      if (policy.batched(net)) {
        nets.add(net); // else all of its layers are unrolled: its batches go example by example
      }
    }
    Draws.covered(BASE, DEFAULT_BASE, nets.size() >= count / 2,
        "only " + nets.size() + " of " + count + " batched");
    List<Network> pairs = new ArrayList<>();
    for (Network net : nets) {
      pairs.add(net);
      pairs.add(net.withName(net.name() + "Twin"));
    }
    List<Generated> classes = Generated.compile(pairs, "gen.split", policy);
    for (int k = 0; k < nets.size(); k++) {
      Random rnd = new Random(seed + 7 * k);
      // Mini-batches, and one-example steps (runs of them: see compare) between them.
      int[] batches = new int[4];
      for (int s = 0; s < batches.length; s++) {
        batches[s] = s % 2 == 1 ? 1 : 2 + rnd.nextInt(39);
      }
      compare(nets.get(k), policy, classes.get(2 * k), classes.get(2 * k + 1), rnd, batches);
    }
  }

  /**
   * Steps two instances of {@code net}'s class, {@code split} over a team of 2 or 3 threads or
   * in 4 parts on this thread ({@link StepTeam#rehearsal}, how {@code netc train} warms up) and
   * {@code alone} on this thread, with the same batches, and compares them bit for bit after each.
   * A batch of 1 is a run of three one-example steps whose losses are compared, the parameters
   * only after the last: reading them settles the first layer's pending update, which the next
   * one-example step otherwise makes over the team with its forward pass.
   */
  private static void compare(Network net, CodegenPolicy policy, Generated split,
      Generated alone, Random rnd, int[] batches) {
    int threads = 2 + rnd.nextInt(3);
    String what = net + " under " + policy + ", " + threads
        + (threads == 4 ? " parts" : " threads");
    try (StepTeam team = threads == 4 ? StepTeam.rehearsal(threads) : StepTeam.of(threads)) {
      if (rnd.nextBoolean()) {
        // The batched kernels' parts in uneven shares, as a team balancing slow threads gives.
        double[] shares = new double[threads];
        for (int k = 0; k < threads; k++) {
          shares[k] = 0.1 + rnd.nextDouble();
        }
        team.withShares(shares);
        what += " in shares " + Arrays.toString(team.shares());
      }
      assertTrue(useTeam(split.instance(), team), what);
      for (int s = 0; s < batches.length; s++) {
        int n = batches[s];
        String step = what + ", step " + s + " of batch " + n;
        for (int r = 0; r < (n == 1 ? 3 : 1); r++) {
          double[] xs = RandomNetworks.inputs(rnd, net, n);
          double[] ts = RandomNetworks.targets(rnd, net, n);
          double got = split.trainBatch(xs, ts, n);
          double want = alone.trainBatch(xs, ts, n);
          assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(got),
              step + ", run " + r);
        }
        assertTrue(Arrays.equals(alone.parameters(), split.parameters()),
            step + ": parameters differ");
        assertTrue(Arrays.equals(alone.optimizerState(), split.optimizerState()),
            step + ": optimizer state differs");
      }
      // Predictions and losses over the team (splitForward): the same bits as on one thread.
      int n = 1 + rnd.nextInt(90);
      double[] px = RandomNetworks.inputs(rnd, net, n);
      double[] pt = RandomNetworks.targets(rnd, net, n);
      int outputs = net.outputSize();
      assertTrue(Arrays.equals(alone.predictBatch(px, n, outputs),
          split.predictBatch(px, n, outputs)), what + ": predictions differ");
      assertEquals(Double.doubleToLongBits(alone.loss(px, pt, n)),
          Double.doubleToLongBits(split.loss(px, pt, n)), what + ": losses differ");
      // One example at a time (PredictSplit), before and after predict's aligned copies are
      // made (AlignedWeights.PREDICTS_BEFORE_COPY, by columns PREDICTS_BEFORE_COLUMNS).
      for (int k = 0; k < AlignedWeights.PREDICTS_BEFORE_COLUMNS + 4; k++) {
        double[] x = RandomNetworks.inputs(rnd, net, 1);
        assertTrue(Arrays.equals(alone.predict(x, outputs), split.predict(x, outputs)),
            what + ": prediction " + k + " differs");
      }
      // Detached, it steps on the calling thread again (the same bits still).
      assertTrue(useTeam(split.instance(), null), what);
      double[] xs = RandomNetworks.inputs(rnd, net, 3);
      double[] ts = RandomNetworks.targets(rnd, net, 3);
      split.trainBatch(xs, ts, 3);
      alone.trainBatch(xs, ts, 3);
      assertTrue(Arrays.equals(alone.parameters(), split.parameters()), what);
    }
  }

  private static boolean useTeam(Object net, StepTeam team) {
    return Generated.useStepTeam(net, team, true);
  }
}
