package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
 * {@code predict} over dense layers' weights by columns ({@link ColumnPredict}) computes, for
 * each output, exactly {@code fma(x_j, W[o][j], s)} over the nonzero inputs in increasing j from
 * s = 0 (in two blocks of inputs, added, from 512 KB of weights), then + b[o]: checked bit for
 * bit against that sum written out here, for inputs with no zeros, half, 95 % and all zeros, on
 * one thread and over teams of 2 and 3 threads (where a layer splits: by its blocks), in both
 * precisions, for input sizes odd and even, for output sizes that are and are not a whole number
 * of the copy's tiles (its blocks of 8 vectors of outputs, then one of the rest), and for a split
 * layer after the first (whose inputs a relu zeroes). Relu layers alone make each prediction the
 * sums themselves.
 */
class ColumnPredictTest {

  /** A network of relu layers of {@code sizes} (the input first). */
  private static String network(String name, int[] sizes, String precision) {
    StringBuilder layers = new StringBuilder();
    for (int i = 1; i < sizes.length; i++) {
      layers.append("  dense ").append(sizes[i]).append(" relu\n");
    }
    return """
        network %s {
          input %d
        %s  loss mse
          optimizer sgd(lr = 0.01)
          init he(seed = 5)
          precision %s
        }
        """.formatted(name, sizes[0], layers, precision);
  }

  @ParameterizedTest
  @CsvSource({
      "float, 96, 1", "float, 97, 1", "float, 528, 1", "float, 528, 2", "float, 531, 3",
      "float, 530-512, 1", "float, 530-512, 2", "float, 530-512, 3",
      "double, 40, 1", "double, 272, 2", "double, 273, 3", "double, 41-256, 2",
      "float, 528:272, 1", "float, 528:272, 2", "float, 531:400-48, 3", "double, 272:248, 2",
      "double, 273:136-80, 3"})
  void predictByColumnsIsTheSumInInputOrderOfTheNonzeroInputs(String precision, String hidden,
      int threads) throws Exception {
    Assumptions.assumeTrue(Alignment.available(), "no copies where addresses are unknown");
    String[] parts = hidden.split("-");
    int[] sizes = new int[parts.length + 1];
    String[] first = parts[0].split(":");
    sizes[0] = Integer.parseInt(first[0]);
    sizes[1] = first.length > 1 ? Integer.parseInt(first[1]) : 256;
    for (int i = 1; i < parts.length; i++) {
      sizes[i + 1] = Integer.parseInt(parts[i]);
    }
    String name = "Columns" + precision + hidden.replace('-', '_').replace(':', 'o') + "x"
        + threads;
    Network net = Frontend.compile(name + ".net", network(name, sizes, precision))
        .networks().get(0);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    Generated g = Generated.compile(List.of(net), "gen.columns." + name.toLowerCase(), policy)
        .get(0);
    boolean floats = precision.equals("float");
    Random rnd = new Random(sizes[0] * 31L + threads);
    double[] params = new double[net.parameterCount()];
    for (int i = 0; i < params.length; i++) {
      params[i] = rnd.nextGaussian() * 0.2;
    }
    g.setParameters(params);
    int outputs = sizes[sizes.length - 1];
    StepTeam team = threads == 3 ? StepTeam.rehearsal(3) : threads == 2 ? StepTeam.of(2) : null;
    try {
      if (team != null) {
        assertTrue(floats ? ((TrainableFloatNetwork) g.instance()).useStepTeam(team)
            : ((TrainableDoubleNetwork) g.instance()).useStepTeam(team), name);
      }
      for (int k = 0; k < AlignedWeights.PREDICTS_BEFORE_COLUMNS + 20; k++) {
        double zeros = k % 4 == 0 ? 0 : k % 4 == 1 ? 0.5 : k % 4 == 2 ? 0.95 : 1;
        double[] x = new double[sizes[0]];
        for (int j = 0; j < x.length; j++) {
          x[j] = rnd.nextDouble() < zeros ? 0 : rnd.nextDouble() * 2 - 1;
        }
        double[] got = g.predict(x, outputs);
        if (k + 1 < AlignedWeights.PREDICTS_BEFORE_COLUMNS) {
          continue; // The rows' sums until the copy is made.
        }
        assertNotNull(columns(g, net), name + ": the copy by columns must be in use");
        double[] want = floats ? floatPredict(params, sizes, x) : doublePredict(params, sizes, x);
        for (int o = 0; o < outputs; o++) {
          assertEquals(want[o], got[o], 0.0, name + ", predict " + k + ", output " + o);
        }
      }
      if (threads == 2) {
        // A closed team fails predict: it did run over the team.
        team.close();
        double[] x = new double[sizes[0]];
        assertThrows(IllegalStateException.class, () -> g.predict(x, outputs), name);
      }
    } finally {
      if (team != null) {
        team.close();
      }
    }
  }

  /** The first layer's copy by columns, if made. */
  private static Object columns(Generated g, Network net) throws Exception {
    for (java.lang.reflect.Field f : g.instance().getClass().getDeclaredFields()) {
      if (f.getName().endsWith("WeightColumns")) {
        f.setAccessible(true);
        return f.get(g.instance());
      }
    }
    throw new AssertionError(net.name() + " has no copy by columns");
  }

  /** Inputs where a layer of {@code in} × {@code out} of {@code bytes} splits its sums. */
  private static int half(int in, int out, int bytes) {
    return (long) in * out * bytes >= ColumnPredict.SPLIT_MIN_BYTES ? in / 2 : in;
  }

  /**
   * The float prediction: per layer and output, the fma chain over the nonzero inputs below the
   * half and the one over the rest, added (where the layer has two blocks), + b, then relu.
   */
  private static double[] floatPredict(double[] p, int[] sizes, double[] input) {
    float[] x = new float[input.length];
    for (int j = 0; j < x.length; j++) {
      x[j] = (float) input[j];
    }
    int off = 0;
    for (int l = 1; l < sizes.length; l++) {
      int in = sizes[l - 1];
      int out = sizes[l];
      int half = half(in, out, Float.BYTES);
      float[] a = new float[out];
      for (int o = 0; o < out; o++) {
        float first = 0;
        float second = 0;
        for (int j = 0; j < in; j++) {
          if (x[j] != 0) {
            float w = (float) p[off + o * in + j];
            if (j < half) {
              first = Math.fma(x[j], w, first);
            } else {
              second = Math.fma(x[j], w, second);
            }
          }
        }
        float b = (float) p[off + out * in + o];
        float z = half == in ? first + b : first + second + b;
        a[o] = z > 0 ? z : 0;
      }
      off += out * in + out;
      x = a;
    }
    double[] y = new double[x.length];
    for (int o = 0; o < y.length; o++) {
      y[o] = x[o];
    }
    return y;
  }

  /** As {@link #floatPredict}, in doubles. */
  private static double[] doublePredict(double[] p, int[] sizes, double[] input) {
    double[] x = input.clone();
    int off = 0;
    for (int l = 1; l < sizes.length; l++) {
      int in = sizes[l - 1];
      int out = sizes[l];
      int half = half(in, out, Double.BYTES);
      double[] a = new double[out];
      for (int o = 0; o < out; o++) {
        double first = 0;
        double second = 0;
        for (int j = 0; j < in; j++) {
          if (x[j] != 0) {
            double w = p[off + o * in + j];
            if (j < half) {
              first = Math.fma(x[j], w, first);
            } else {
              second = Math.fma(x[j], w, second);
            }
          }
        }
        double b = p[off + out * in + o];
        double z = half == in ? first + b : first + second + b;
        a[o] = z > 0 ? z : 0;
      }
      off += out * in + out;
      x = a;
    }
    return x;
  }
}
