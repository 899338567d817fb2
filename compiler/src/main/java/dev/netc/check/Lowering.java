package dev.netc.check;

import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.ir.WeightInit;
import dev.netc.runtime.Init;
import java.util.ArrayList;
import java.util.List;

/** Builds the IR of a network that passed every check, filling in the defaults. */
final class Lowering {
  /** The optimizer of a network without an {@code optimizer} statement. */
  static final Optimizer DEFAULT_OPTIMIZER = new Optimizer.Sgd(0.01, 0, false, 0);

  private Lowering() {}

  /** Lowers checked parts; every layer, shape and activation is known to be valid. */
  static Network lower(String name, String sourceFile, Checker.Parts parts) {
    Vocabulary.InitChoice init = parts.init.orElse(
        new Vocabulary.InitChoice(java.util.Optional.empty(), 0, 0));
    List<Layer> layers = new ArrayList<>();
    List<Shape> inputs = parts.layerInputs.orElseThrow();
    for (int i = 0; i < parts.layers.size(); i++) {
      LayerInfo l = parts.layers.get(i);
      Activation a = l.activation().orElseThrow();
      layers.add(l.spec().orElseThrow().lower(l.name(), i, inputs.get(i), a, weightInit(init, a)));
    }
    return new Network(name, sourceFile, parts.inputShape.orElseThrow(), layers, parts.loss,
        parts.optimizer.orElse(DEFAULT_OPTIMIZER), init.seed(),
        parts.precision.orElse(Precision.FLOAT));
  }

  /** The scheme the user chose, else He for the relu family and Xavier for the rest. */
  private static WeightInit weightInit(Vocabulary.InitChoice init, Activation a) {
    if (init.scheme().isPresent()) {
      Init.Scheme s = init.scheme().get();
      return new WeightInit(s, s == Init.Scheme.UNIFORM ? init.scale() : 0);
    }
    return new WeightInit(a.isReluFamily() ? Init.Scheme.HE : Init.Scheme.XAVIER, 0);
  }
}
