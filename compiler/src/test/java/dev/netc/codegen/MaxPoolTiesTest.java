package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Max pooling over windows whose maximum is tied: generated code must route each output's delta
 * to the first maximum in row-major window order, as the interpreter (and PyTorch) does. A 1x1
 * convolution with weights 1 and 1 adds two input channels, so equal sums in a window come from
 * different inputs and the convolution's weight gradient shows which one got the delta.
 */
class MaxPoolTiesTest {
  /** Name suffix, image size (twice), pooling layer, precision. */
  private static final String SOURCE = """
      network Ties%s {
        input 2x%dx%d
        conv2d 1 1x1 identity as mix
        %s
        dense 2 identity as out
        loss mse
        precision %s
      }
      """;

  /** Channel 0 and channel 1 of the input, row by row; each 2x2 window sums to ties. */
  private static final double[][] CHANNELS = {
      // Windows: all 3 (sums 0+3, 1+2, 2+1, 3+0); all 0; 1, 5, 5, 2; all -2.
      {0, 1, 0, 1, 2, 3, -1, 2, 1, 0, -2, 0, 5, 2, -1, 1},
      {3, 2, 0, -1, 1, 0, 1, -2, 0, 5, 0, -2, 0, 0, -1, -3}};

  @ParameterizedTest
  @EnumSource(CodegenPolicy.Backend.class)
  void tiedWindowsRouteDeltasLikeTheInterpreter(CodegenPolicy.Backend backend) {
    // Example 1 as above; example 2 all zero (every window a tie at 0).
    double[] xs = new double[2 * 32];
    for (int c = 0; c < 2; c++) {
      System.arraycopy(CHANNELS[c], 0, xs, c * 16, 16);
    }
    check(backend, 4, "maxpool 2x2", xs);
  }

  /**
   * Windows too large to unroll, apart and overlapping: channel 0 holds 0, 1 or 2 and channel 1
   * makes most sums 2, the rest 1, so each window's maximum is tied among different inputs.
   */
  @ParameterizedTest
  @EnumSource(CodegenPolicy.Backend.class)
  void largeWindowsRouteDeltasLikeTheInterpreter(CodegenPolicy.Backend backend) {
    Random rnd = new Random(14);
    double[] xs = new double[2 * 2 * 10 * 10];
    for (int e = 0; e < 2; e++) {
      for (int i = 0; i < 100; i++) {
        int first = rnd.nextInt(3);
        xs[e * 200 + i] = first;
        xs[e * 200 + 100 + i] = 2 - first - (rnd.nextInt(4) == 0 ? 1 : 0);
      }
    }
    check(backend, 10, "maxpool 5x5", xs);
    check(backend, 10, "maxpool 5x5 (stride = 2)", xs);
  }

  /**
   * Images large enough for the vector backend's pair kernel (at least one vector of column
   * pairs), with values 0, 1 or 2 per channel so that most windows tie; windows 2 and 3 rows
   * high, apart and overlapping, on an even width, and an odd width the kernel leaves to the
   * scalar loops.
   */
  @ParameterizedTest
  @EnumSource(CodegenPolicy.Backend.class)
  void pairKernelRoutesDeltasLikeTheInterpreter(CodegenPolicy.Backend backend) {
    for (int size : new int[] {14, 9}) {
      Random rnd = new Random(size);
      double[] xs = new double[2 * 2 * size * size];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = rnd.nextInt(3);
      }
      check(backend, size, "maxpool 2x2", xs);
      check(backend, size, "maxpool 3x2 (stride = 2)", xs);
    }
  }

  /**
   * Generated gradients of two examples {@code xs} against the interpreter's, with the mixing
   * weights 1 and 1, in both precisions.
   */
  private static void check(CodegenPolicy.Backend backend, int size, String pool, double[] xs) {
    List<Network> nets = new ArrayList<>();
    for (Precision p : Precision.values()) {
      FrontendResult r = Frontend.compile("ties.net", String.format(SOURCE,
          p == Precision.FLOAT ? "Float" : "Double", size, size, pool, p.name().toLowerCase(
              Locale.ROOT)));
      assertEquals(1, r.networks().size(), r.renderDiagnostics());
      nets.add(r.networks().get(0));
    }
    List<Generated> generated = Generated.compile(nets, "gen.ties",
        CodegenPolicy.defaults().withBackend(backend));
    double[] ts = {1, -1, 0.5, 2};
    for (int k = 0; k < nets.size(); k++) {
      Network net = nets.get(k);
      double[] params = Interpreter.initialParameters(net);
      TensorSpec mix = net.parameterLayout().get(0);
      assertEquals("mix.weight", mix.name());
      params[mix.offset()] = 1;
      params[mix.offset() + 1] = 1;
      Interpreter ref = new Interpreter(net, params);
      Generated gen = generated.get(k);
      gen.setParameters(params);
      double[] want = new double[params.length];
      double[] got = new double[params.length];
      double refLoss = ref.gradient(xs, ts, 2, want);
      double genLoss = gen.gradient(xs, ts, 2, got);
      String what = net.name() + " with " + pool;
      Tolerance tol = Tolerance.of(net.precision());
      tol.check(what + ": loss", new double[] {genLoss}, new double[] {refLoss});
      tol.check(what + ": gradient", got, want);
      // The ties matter: routing to another tied input would change mix.weight's gradient.
      assertTrue(want[mix.offset()] != 0 || want[mix.offset() + 1] != 0, what);
    }
  }
}
