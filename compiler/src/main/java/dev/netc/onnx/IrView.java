package dev.netc.onnx;

import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one place where the ONNX exporter reads netc's IR: a network seen as what ONNX needs.
 * When the IR changes, only this adapter changes.
 *
 * @param loss the loss as {@code .net} text, when the network has one
 * @param optimizer the optimizer as {@code .net} text, when it is not the default one
 * @param parameters the flat parameter layout ({@code NAME.weight} [out, in], {@code NAME.bias})
 */
public record IrView(String name, String sourceFile, int inputSize, boolean isDouble,
    List<DenseView> layers, Optional<String> loss, Optional<String> optimizer,
    List<TensorSpec> parameters) {

  /**
   * A dense layer: {@code activation} is the ONNX op after the Gemm (empty for identity), and
   * {@code alpha} its parameter where it has one (LeakyRelu, Elu).
   */
  public record DenseView(String name, int inSize, int outSize, Optional<String> activation,
      double alpha) {}

  /** The view of {@code network}. */
  public static IrView of(Network network) {
    List<DenseView> layers = new ArrayList<>();
    for (Layer l : network.layers()) {
      layers.add(new DenseView(l.name(), l.inSize(), l.outSize(), onnxOp(l.activation()),
          alpha(l.activation())));
    }
    return new IrView(network.name(), network.sourceFile(), network.inputSize(),
        network.precision() == Precision.DOUBLE, layers, network.loss().map(Loss::describe),
        Optional.of(network.optimizer().describe()).filter(o -> !o.equals(DEFAULT_OPTIMIZER)),
        network.parameterLayout());
  }

  /** The optimizer of a network without an optimizer statement, {@code sgd(lr = 0.01)}. */
  private static final String DEFAULT_OPTIMIZER =
      new Optimizer.Sgd(0.01, 0, false, 0).describe();

  /** The ONNX op of each activation keyword; identity needs none. */
  private static final Map<String, String> ONNX_OPS = Map.of(
      "sigmoid", "Sigmoid", "tanh", "Tanh", "relu", "Relu", "leaky_relu", "LeakyRelu",
      "elu", "Elu", "softplus", "Softplus", "softmax", "Softmax");

  private static Optional<String> onnxOp(Activation a) {
    if (a.keyword().equals("identity")) {
      return Optional.empty();
    }
    String op = ONNX_OPS.get(a.keyword());
    if (op == null) {
      throw new IllegalArgumentException("no ONNX op for activation " + a.keyword());
    }
    return Optional.of(op);
  }

  private static double alpha(Activation a) {
    if (a instanceof Activation.LeakyRelu l) {
      return l.alpha();
    }
    return a instanceof Activation.Elu e ? e.alpha() : 0;
  }
}
