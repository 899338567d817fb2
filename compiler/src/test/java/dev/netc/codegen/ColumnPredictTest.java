package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.ir.Network;
import dev.netc.runtime.Alignment;
import dev.netc.runtime.StepTeam;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code predict} over a dense layer's weights by columns ({@link ColumnPredict}) computes, for
 * each output, exactly {@code fma(x_j, W[o][j], s)} over the nonzero inputs in increasing j from
 * s = 0 (in two blocks of inputs, added, from 512 KB of weights), then + b[o]: checked bit for
 * bit against that sum written out here, for inputs with zeros and without, on one thread and
 * over teams of 2 and 3 threads (where the layer splits: by its blocks), in both precisions. A
 * relu layer alone makes the prediction the sum itself.
 */
class ColumnPredictTest {

  private static String network(String name, int in, String precision) {
    return """
        network %s {
          input %d
          dense 256 relu
          loss mse
          optimizer sgd(lr = 0.01)
          init he(seed = 5)
          precision %s
        }
        """.formatted(name, in, precision);
  }

  @ParameterizedTest
  @CsvSource({
      "float, 96, 1", "float, 528, 1", "float, 528, 2", "float, 528, 3",
      "double, 40, 1", "double, 272, 2", "double, 272, 3"})
  void predictByColumnsIsTheSumInInputOrderOfTheNonzeroInputs(String precision, int in,
      int threads) throws Exception {
    Assumptions.assumeTrue(Alignment.available(), "no copies where addresses are unknown");
    String name = "Columns" + precision + in + "x" + threads;
    Network net = Frontend.compile(name + ".net", network(name, in, precision))
        .networks().get(0);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    Generated g = Generated.compile(List.of(net), "gen.columns." + precision + in + "t"
        + threads, policy).get(0);
    boolean floats = precision.equals("float");
    Random rnd = new Random(in * 31L + threads);
    double[] params = new double[net.parameterCount()];
    for (int i = 0; i < params.length; i++) {
      params[i] = rnd.nextGaussian() * 0.2;
    }
    g.setParameters(params);
    StepTeam team = threads == 3 ? StepTeam.rehearsal(3) : threads == 2 ? StepTeam.of(2) : null;
    try {
      if (team != null) {
        assertTrue(floats ? ((TrainableFloatNetwork) g.instance()).useStepTeam(team)
            : ((TrainableDoubleNetwork) g.instance()).useStepTeam(team), name);
      }
      for (int k = 0; k < AlignedWeights.PREDICTS_BEFORE_COLUMNS + 20; k++) {
        double zeros = k % 4 == 0 ? 0 : k % 4 == 1 ? 0.5 : k % 4 == 2 ? 0.95 : 1;
        double[] x = new double[in];
        for (int j = 0; j < in; j++) {
          x[j] = rnd.nextDouble() < zeros ? 0 : rnd.nextDouble() * 2 - 1;
        }
        double[] got = g.predict(x, 256);
        if (k + 1 < AlignedWeights.PREDICTS_BEFORE_COLUMNS) {
          continue; // The rows' sums until the copy is made.
        }
        assertNotNull(field(g, net, floats), name + ": the copy by columns must be in use");
        for (int o = 0; o < 256; o++) {
          double want = floats ? floatColumnSum(params, x, in, o) : doubleColumnSum(params, x,
              in, o);
          want = want > 0 ? want : 0;
          assertEquals(want, got[o], 0.0, name + ", predict " + k + ", output " + o);
        }
      }
    } finally {
      if (team != null) {
        team.close();
      }
    }
  }

  /** The copy by columns of the only layer, if made. */
  private static Object field(Generated g, Network net, boolean floats) throws Exception {
    for (java.lang.reflect.Field f : g.instance().getClass().getDeclaredFields()) {
      if (f.getName().endsWith("WeightColumns")) {
        f.setAccessible(true);
        return f.get(g.instance());
      }
    }
    throw new AssertionError(net.name() + " has no copy by columns");
  }

  /**
   * The float sum of output o: over the nonzero inputs in increasing j, by fma, in two blocks
   * (the inputs below in / 2, the rest) added at the end where the layer has 512 KB of weights
   * or more (ColumnPredict.SPLIT_MIN_BYTES), then + b.
   */
  private static float floatColumnSum(double[] p, double[] x, int in, int o) {
    int half = 256L * in * Float.BYTES >= ColumnPredict.SPLIT_MIN_BYTES ? in / 2 : in;
    float first = 0;
    float second = 0;
    for (int j = 0; j < in; j++) {
      float xj = (float) x[j];
      if (xj != 0) {
        if (j < half) {
          first = Math.fma(xj, (float) p[o * in + j], first);
        } else {
          second = Math.fma(xj, (float) p[o * in + j], second);
        }
      }
    }
    return half == in ? first + (float) p[256 * in + o]
        : first + second + (float) p[256 * in + o];
  }

  /** As {@link #floatColumnSum}, in doubles. */
  private static double doubleColumnSum(double[] p, double[] x, int in, int o) {
    int half = 256L * in * Double.BYTES >= ColumnPredict.SPLIT_MIN_BYTES ? in / 2 : in;
    double first = 0;
    double second = 0;
    for (int j = 0; j < in; j++) {
      if (x[j] != 0) {
        if (j < half) {
          first = Math.fma(x[j], p[o * in + j], first);
        } else {
          second = Math.fma(x[j], p[o * in + j], second);
        }
      }
    }
    return half == in ? first + p[256 * in + o] : first + second + p[256 * in + o];
  }
}
