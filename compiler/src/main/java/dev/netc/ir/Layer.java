package dev.netc.ir;

import dev.netc.runtime.TensorSpec;
import java.util.List;

/**
 * One layer of a network: a kind of computation that maps its input {@link Shape} to an output
 * shape, with its parameter tensors and their initialization. Each kind is one record of this
 * family; the interpreter and the code generator each have one home per kind.
 */
public sealed interface Layer permits Dense, Conv2d, ParameterFree {

  /** The DSL keyword of the layer's kind, e.g. {@code dense}. */
  String kind();

  /** The user's name or the kind's default ({@code dense1}, …). */
  String name();

  /** 0-based position in the network. */
  int index();

  /** The activation applied to the layer's pre-activation z (identity for a kind without one). */
  Activation activation();

  /** How the layer's weights are initialized (biases start at zero). */
  WeightInit init();

  /** The shape of one example's input. */
  Shape inputShape();

  /** The shape of one example's output, computed from {@link #inputShape()}. */
  Shape outputShape();

  /**
   * The parameter tensors in PyTorch's names and shapes ({@code NAME.weight}, {@code NAME.bias}),
   * laid out one after another from {@code offset} in the flat parameter array.
   */
  List<TensorSpec> parameters(int offset);

  /** Number of weights (the first parameter tensor), initialized by {@link #init()}. */
  int weightCount();

  /** Number of parameters of all tensors. */
  int parameterCount();

  /**
   * Multiply-adds of one example's forward pass, a bias add counting as one (so a dense layer's
   * equals its parameter count): what sizes the work of a training step, as the default thread
   * count weighs it against the parameters each step reduces. 0 for a kind without weights.
   */
  long multiplyAdds();

  /** Number of biases (the second parameter tensor): 0 for a layer without parameters. */
  default int biasCount() {
    return parameterCount() - weightCount();
  }

  /** True if the layer has parameter tensors (a weight and a bias). */
  default boolean hasParameters() {
    return parameterCount() > 0;
  }

  /** The fan-in of the weight initialization (PyTorch's: inputs per output value). */
  int fanIn();

  /** The fan-out of the weight initialization (PyTorch's). */
  int fanOut();

  /** The kind and its sizes as the IR dump writes them, e.g. {@code dense 784 -> 128}. */
  String describe();

  /**
   * True if the layer takes {@code input} (the previous layer's output shape): the same shape,
   * unless the kind says otherwise.
   */
  default boolean accepts(Shape input) {
    return input.equals(inputShape());
  }

  /** Number of input values of one example: the flattened {@link #inputShape()}. */
  default int inSize() {
    return inputShape().size();
  }

  /** Number of output values of one example: the flattened {@link #outputShape()}. */
  default int outSize() {
    return outputShape().size();
  }
}
