package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.interp.Interpreter;
import dev.netc.ir.Activation;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.WeightInit;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.TensorSpec;
import dev.netc.testing.RandomNetworks;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * User-chosen names cannot change the meaning of generated code: layers named like generated
 * members, locals, constants and types, names that differ only in case, {@code $} names, and a
 * source file name that tries to close the javadoc comment.
 */
class HostileNamesTest {
  /** Every name is a legal Java identifier the front end accepts as a layer name. */
  static final List<String> HOSTILE = List.of("predict", "copy", "INPUT_SIZE", "x", "i", "dense",
      "Dense", "$", "$x", "Math", "hidden", "hiddenWeight", "forwardDense", "s0", "input",
      "LAYOUT", "stepCount", "w", "Init", "List", "update", "outputDelta", "trainBatch",
      "\u00e9t\u00e9");

  static Network hostile(String name, Precision p) {
    List<Layer> layers = new ArrayList<>();
    int in = 3;
    for (int i = 0; i < HOSTILE.size(); i++) {
      boolean last = i == HOSTILE.size() - 1;
      int out = last ? 3 : 2 + i % 3;
      Activation act = last ? new Activation.Softmax()
          : i % 2 == 0 ? new Activation.Tanh() : new Activation.LeakyRelu(0.1);
      layers.add(new Dense(HOSTILE.get(i), i, in, out, act,
          new WeightInit(Init.Scheme.XAVIER, 0)));
      in = out;
    }
    return new Network(name, "evil */ class X { /* \\u002a/ @param <b>.net", 3, layers,
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 0), 5, p);
  }

  @Test
  void hostileLayerNamesCompileAndMatchTheInterpreter() {
    for (CodegenPolicy policy : List.of(CodegenPolicy.defaults(), CodegenPolicy.alwaysLooped())) {
      Network f = hostile("HostileFloat", Precision.FLOAT);
      Network d = hostile("HostileDouble", Precision.DOUBLE);
      List<Generated> gens = Generated.compile(List.of(f, d), "gen.hostile", policy);
      for (int k = 0; k < 2; k++) {
        Network net = k == 0 ? f : d;
        Generated gen = gens.get(k);
        Interpreter ref = new Interpreter(net);
        Random rnd = new Random(k);
        double[] xs = RandomNetworks.inputs(rnd, net, 5);
        double[] ts = RandomNetworks.targets(rnd, net, 5);
        double[] want = new double[5 * 3];
        ref.predictBatch(xs, want, 5);
        assertArrayEquals(want, gen.predictBatch(xs, 5, 3));
        assertEquals(ref.trainBatch(xs, ts, 5), gen.trainBatch(xs, ts, 5));
        double[] refParams = new double[net.parameterCount()];
        ref.getParameters(refParams);
        assertArrayEquals(refParams, gen.parameters());
        List<TensorSpec> layout = k == 0
            ? ((FloatNetwork) gen.instance()).parameterLayout()
            : ((dev.netc.runtime.DoubleNetwork) gen.instance()).parameterLayout();
        assertEquals(net.parameterLayout(), layout);
        assertEquals("predict.weight", layout.get(0).name());
      }
    }
  }

  @Test
  void generatedSourceEscapesTheSourceFileName() {
    String src = JavaGenerator.generate(hostile("Hostile", Precision.FLOAT), "p").toString();
    assertTrue(src.contains("evil *&#47; class X { /* &#92;u002a/ &#64;param &lt;b&gt;.net"), src);
    assertTrue(src.contains("private void forwardDense_()"), "case clash renamed");
    assertTrue(src.contains("private float[] predictWeight;"), "24 layers: fields set by helpers");
  }

  @Test
  void invalidNetworkNamesAreRejectedWithAClearMessage() {
    Network ok = SampleNetworks.xor();
    for (String bad : List.of("Math", "Object", "String", "class", "9lives", "a-b")) {
      Network n = new Network(bad, "x.net", 2, ok.layers(), ok.loss(), ok.optimizer(), 1,
          Precision.FLOAT);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> JavaGenerator.generate(n, "p"));
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> JavaGenerator.generate(ok, "no such"));
  }
}
