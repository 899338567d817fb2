package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * NaN inputs through convolution and max pooling: generated code keeps the interpreter's rules
 * (relu of NaN is 0; a NaN anywhere in a pooling window makes its maximum NaN, as PyTorch's
 * max_pool2d), which the fast forms of these kernels (vector blends, Math.max, unrolled windows)
 * must not change.
 */
class CnnNanTest {
  private static final String SOURCE = """
      network Nan%s%s {
        input 1x6x6
        conv2d 2 1x1 %s
        maxpool 2x2
        dense 3 identity
        precision %s
      }
      """;

  @ParameterizedTest
  @EnumSource(CodegenPolicy.Backend.class)
  void nanInputsGiveTheInterpretersPredictions(CodegenPolicy.Backend backend) {
    List<Network> nets = new ArrayList<>();
    for (String act : List.of("relu", "identity")) {
      for (Precision p : Precision.values()) {
        String precision = p.name().toLowerCase(Locale.ROOT);
        FrontendResult r = Frontend.compile("nan.net", String.format(SOURCE,
            act.equals("relu") ? "Relu" : "Identity", p == Precision.FLOAT ? "Float" : "Double",
            act, precision));
        assertEquals(1, r.networks().size(), r.renderDiagnostics());
        nets.add(r.networks().get(0));
      }
    }
    List<Generated> generated = Generated.compile(nets, "gen.nan",
        CodegenPolicy.defaults().withBackend(backend));
    // Four examples: a NaN at the first value of a pooling window, at its last, both, none.
    Random rnd = new Random(7);
    double[] xs = new double[4 * 36];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = rnd.nextGaussian();
    }
    xs[0] = Double.NaN;
    xs[36 + 35] = Double.NaN;
    xs[72] = Double.NaN;
    xs[72 + 35] = Double.NaN;
    for (int k = 0; k < nets.size(); k++) {
      Network net = nets.get(k);
      double[] want = new double[4 * 3];
      new Interpreter(net).predictBatch(xs, want, 4);
      double[] got = generated.get(k).predictBatch(xs, 4, 3);
      boolean relu = net.name().contains("Relu");
      for (int i = 0; i < want.length; i++) {
        String at = net.name() + " output " + i + ": " + got[i] + ", interpreter " + want[i];
        assertEquals(Double.isNaN(want[i]), Double.isNaN(got[i]), at);
        assertTrue(!relu || !Double.isNaN(want[i]), at);
        if (!Double.isNaN(want[i])) {
          Tolerance.of(net.precision()).check(at, new double[] {got[i]}, new double[] {want[i]});
        }
      }
    }
  }
}
