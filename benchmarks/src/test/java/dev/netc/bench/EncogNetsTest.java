package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.interp.Interpreter;
import dev.netc.ir.Activation;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.WeightInit;
import dev.netc.runtime.Init;
import java.util.List;
import org.encog.neural.networks.BasicNetwork;
import org.junit.jupiter.api.Test;

/** The Encog peer runs the same network and the same maths as netc, so its figures compare. */
class EncogNetsTest {

  @Test
  void encogComputesTheInterpretersOutputsForBothNetworks() {
    for (Network ir : new Network[] {BenchNetworks.mlp(), BenchNetworks.tiny()}) {
      Interpreter interp = new Interpreter(ir);
      BasicNetwork encog = EncogNets.build(ir, Interpreter.initialParameters(ir));
      BenchData data = ir.inputSize() == 4 ? BenchData.tiny(1) : BenchData.mlp(1);
      double[] want = new double[ir.outputSize()];
      double[] got = new double[ir.outputSize()];
      for (int b = 0; b < 5; b++) {
        interp.predict(data.xsDouble()[b], want);
        encog.compute(data.xsDouble()[b], got);
        for (int j = 0; j < want.length; j++) {
          // The interpreter rounds to float after every operation; Encog stays in double.
          assertEquals(want[j], got[j], 1e-5, ir.name() + " example " + b + " output " + j);
        }
      }
    }
  }

  @Test
  void encogStepsMatchTheInterpretersSgdWithMomentum() {
    // Identity hidden layer: Encog 3.4's derivative mix-up (see EncogNets) is harmless there, so
    // every parameter must match, which checks lr / batch and the momentum rule.
    Network tiny = BenchNetworks.tiny();
    Layer hidden = new Dense("dense1", 0, 4, 16, new Activation.Identity(),
        new WeightInit(Init.Scheme.XAVIER, 0));
    Network ir = new Network("TinyLinear", tiny.sourceFile(), 4,
        List.of(hidden, tiny.layers().get(1)), tiny.loss(), tiny.optimizer(), tiny.seed(),
        tiny.precision());
    Trained t = trainBoth(ir, 3);
    for (Layer l : ir.layers()) {
      assertLayerMatches(ir, l, t.params(), t.encog());
    }
    assertMoved(ir, t.params());
  }

  @Test
  void encogsOutputLayerStepMatchesOnTheTanhNetwork() {
    // After one step only the output layer can be compared: Encog 3.4 gives the tanh layer the
    // softmax's derivative (1) when it backpropagates.
    Network ir = BenchNetworks.tiny();
    Trained t = trainBoth(ir, 1);
    assertLayerMatches(ir, ir.outputLayer(), t.params(), t.encog());
    assertMoved(ir, t.params());
  }

  /** The interpreter's parameters and the Encog network after the same steps. */
  private record Trained(double[] params, BasicNetwork encog) {}

  private static Trained trainBoth(Network ir, int steps) {
    Interpreter interp = new Interpreter(ir);
    BasicNetwork encog = EncogNets.build(ir, Interpreter.initialParameters(ir));
    BenchData data = BenchData.tiny(32);
    EncogNets.Trainer trainer = new EncogNets.Trainer(ir, encog, 32);
    for (int b = 0; b < steps; b++) {
      interp.trainBatch(data.xsDouble()[b], data.labelsDouble()[b], 32);
      trainer.step(data.xsDouble()[b], data.labelsDouble()[b]);
    }
    double[] params = new double[ir.parameterCount()];
    interp.getParameters(params);
    return new Trained(params, encog);
  }

  private static void assertLayerMatches(
      Network ir, Layer l, double[] params, BasicNetwork encog) {
    int w = ir.weightOffset(l.index());
    int bias = ir.biasOffset(l.index());
    for (int o = 0; o < l.outSize(); o++) {
      for (int i = 0; i < l.inSize(); i++) {
        assertEquals(params[w + o * l.inSize() + i], encog.getWeight(l.index(), i, o), 1e-6,
            l.name() + " weight " + o + "," + i);
      }
      assertEquals(params[bias + o], encog.getWeight(l.index(), l.inSize(), o), 1e-6,
          l.name() + " bias " + o);
    }
  }

  // Guards against a vacuous match: the steps really moved the weights.
  private static void assertMoved(Network ir, double[] params) {
    double[] initial = Interpreter.initialParameters(ir);
    double moved = 0;
    for (int k = 0; k < params.length; k++) {
      moved = Math.max(moved, Math.abs(params[k] - initial[k]));
    }
    assertTrue(moved > 1e-4, "weights moved by " + moved);
  }
}
