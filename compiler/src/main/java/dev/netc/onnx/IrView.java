package dev.netc.onnx;

import dev.netc.ir.Activation;
import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Flatten;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one place where the ONNX exporter reads netc's IR: a network seen as what ONNX needs.
 * When the IR changes, only this adapter changes.
 *
 * @param input one example's input: a vector, or an image C×H×W
 * @param loss the loss as {@code .net} text, when the network has one
 * @param optimizer the optimizer as {@code .net} text, when it is not the default one
 * @param parameters the flat parameter layout ({@code NAME.weight} [out, in] or [out, in, KH, KW],
 *     {@code NAME.bias})
 */
public record IrView(String name, String sourceFile, Shape input, boolean isDouble,
    List<LayerView> layers, Optional<String> loss, Optional<String> optimizer,
    List<TensorSpec> parameters) {

  /** One layer as ONNX nodes see it. */
  public sealed interface LayerView {
    /** The layer's name in the network. */
    String name();
  }

  /**
   * The ONNX op after a layer's Gemm or Conv ({@code Relu}, …) and its {@code alpha} where it has
   * one (LeakyRelu, Elu).
   */
  public record ActivationView(String op, double alpha) {}

  /** A dense layer; {@code activation} is empty for identity. */
  public record DenseView(String name, int inSize, int outSize,
      Optional<ActivationView> activation) implements LayerView {}

  /** A conv2d layer: its window has the stride and padding of each axis. */
  public record ConvView(String name, int outChannels, Window window,
      Optional<ActivationView> activation) implements LayerView {}

  /** A maxpool or avgpool layer (no padding). */
  public record PoolView(String name, boolean max, Window window) implements LayerView {}

  /** A flatten layer. */
  public record FlattenView(String name) implements LayerView {}

  /** The view of {@code network}. */
  public static IrView of(Network network) {
    List<LayerView> layers = new ArrayList<>();
    for (Layer l : network.layers()) {
      layers.add(view(l));
    }
    return new IrView(network.name(), network.sourceFile(), network.input(),
        network.precision() == Precision.DOUBLE, layers, network.loss().map(IrView::loss),
        Optional.of(network.optimizer().describe()).filter(o -> !o.equals(DEFAULT_OPTIMIZER)),
        network.parameterLayout());
  }

  private static LayerView view(Layer l) {
    if (l instanceof Dense d) {
      return new DenseView(d.name(), d.inSize(), d.outSize(), activation(d.activation()));
    } else if (l instanceof Conv2d c) {
      return new ConvView(c.name(), c.outChannels(), c.window(), activation(c.activation()));
    } else if (l instanceof MaxPool2d m) {
      return new PoolView(m.name(), true, m.window());
    } else if (l instanceof AvgPool2d a) {
      return new PoolView(a.name(), false, a.window());
    } else if (l instanceof Flatten f) {
      return new FlattenView(f.name());
    }
    throw new IllegalArgumentException("no ONNX form for layer kind " + l.kind());
  }

  /** A loss as the {@code .net} file writes it: {@code mse}, or {@code mse(reduction = sum)}. */
  private static String loss(Loss loss) {
    return loss.reduction() == LossReduction.MEAN ? loss.keyword() : loss.describe();
  }

  /** The optimizer of a network without an optimizer statement, {@code sgd(lr = 0.01)}. */
  private static final String DEFAULT_OPTIMIZER =
      new Optimizer.Sgd(0.01, 0, false, 0).describe();

  /** The ONNX op of each activation keyword; identity needs none. */
  private static final Map<String, String> ONNX_OPS = Map.of(
      "sigmoid", "Sigmoid", "tanh", "Tanh", "relu", "Relu", "leaky_relu", "LeakyRelu",
      "elu", "Elu", "softplus", "Softplus", "softmax", "Softmax");

  private static Optional<ActivationView> activation(Activation a) {
    if (a.keyword().equals("identity")) {
      return Optional.empty();
    }
    String op = ONNX_OPS.get(a.keyword());
    if (op == null) {
      throw new IllegalArgumentException("no ONNX op for activation " + a.keyword());
    }
    return Optional.of(new ActivationView(op, alpha(a)));
  }

  private static double alpha(Activation a) {
    if (a instanceof Activation.LeakyRelu l) {
      return l.alpha();
    }
    return a instanceof Activation.Elu e ? e.alpha() : 0;
  }
}
