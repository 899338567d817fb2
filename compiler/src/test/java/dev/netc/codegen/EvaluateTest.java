package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.testing.RandomNetworks;
import dev.netc.testing.RandomNetworks.LossKind;
import dev.netc.testing.RandomNetworks.OptimizerKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code evaluate(xs, targets, n, out)}, how {@code netc train} scores its test set: one forward
 * pass where a class has the mini-batch path, the interface's default (predictBatch, then loss)
 * elsewhere. Either way its loss must be the bits {@code loss} returns and its outputs the bits
 * {@code predictBatch} writes, for random networks of both backends, every loss, both
 * precisions, batches of one chunk and of several.
 */
class EvaluateTest {
  private static final RandomNetworks NETS = new RandomNetworks(1, 4, 1, 90,
      List.of(Precision.FLOAT, Precision.DOUBLE),
      List.of(LossKind.MSE, LossKind.BCE, LossKind.CROSS_ENTROPY),
      List.of(OptimizerKind.SGD));

  @ParameterizedTest
  @EnumSource(CodegenPolicy.Backend.class)
  void evaluateIsLossAndPredictBatchInOnePass(CodegenPolicy.Backend backend) {
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(backend);
    List<Network> nets = new ArrayList<>();
    for (int k = 0; k < 12; k++) {
      nets.add(NETS.network(new Random(4100 + k), "Eval" + k));
    }
    List<Generated> classes =
        Generated.compile(nets, "gen.evaluate." + backend.name().toLowerCase(), policy);
    int batched = 0;
    for (int k = 0; k < nets.size(); k++) {
      Network net = nets.get(k);
      Generated g = classes.get(k);
      batched += policy.batched(net) ? 1 : 0;
      Random rnd = new Random(77 + k);
      for (int n : new int[] {1, 7, 150}) {
        double[] xs = RandomNetworks.inputs(rnd, net, n);
        double[] ts = RandomNetworks.targets(rnd, net, n);
        double[] out = new double[n * net.outputSize()];
        double loss = g.evaluate(xs, ts, n, out);
        String what = net + " (" + backend + "), batch " + n;
        assertEquals(Double.doubleToLongBits(g.loss(xs, ts, n)), Double.doubleToLongBits(loss),
            what);
        assertTrue(Arrays.equals(g.predictBatch(xs, n, net.outputSize()), out), what);
      }
      // A short output array is the caller's mistake, reported as predictBatch reports it.
      double[] xs = RandomNetworks.inputs(rnd, net, 3);
      double[] ts = RandomNetworks.targets(rnd, net, 3);
      assertThrows(IllegalArgumentException.class,
          () -> g.evaluate(xs, ts, 3, new double[2 * net.outputSize()]));
    }
    assertTrue(batched >= 3, "only " + batched + " networks took the mini-batch path");
  }
}
