package dev.netc.ir;

import dev.netc.runtime.OptimizerLayout;
import dev.netc.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One checked network: the immutable value that the interpreter runs and the code generator emits.
 * Its invariants are checked here, once: the layers chain shape to shape, softmax only on the
 * output layer, the output layer is dense, and the loss fits the output activation (the fused
 * output deltas of {@link Loss} assume it). The front end reports the same mistakes to the user with their positions.
 *
 * @param sourceFile the {@code .net} file it came from, as the user named it (for messages and the
 *     generated javadoc)
 * @param input the shape of one example's input
 * @param loss empty for an inference-only network
 * @param seed the initialization seed
 */
public record Network(
    String name,
    String sourceFile,
    Shape input,
    List<Layer> layers,
    Optional<Loss> loss,
    Optimizer optimizer,
    long seed,
    Precision precision) {

  /** Validates the invariants above. */
  public Network {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sourceFile, "sourceFile");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(loss, "loss");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(precision, "precision");
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("network " + name + " has no layers");
    }
    Shape shape = input;
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      if (l.index() != i || !l.accepts(shape)) {
        throw new IllegalArgumentException("layer " + l.name() + " (index " + l.index()
            + ", input " + l.inputShape().describe() + ") does not chain: layer " + i
            + " receives " + shape.describe());
      }
      if (!l.activation().isElementwise() && i != layers.size() - 1) {
        throw new IllegalArgumentException("softmax only on the output layer, not on layer "
            + l.name());
      }
      shape = l.outputShape();
    }
    if (!(layers.get(layers.size() - 1) instanceof Dense)) {
      throw new IllegalArgumentException("the output layer " + layers.get(layers.size() - 1)
          .name() + " of network " + name + " is not dense");
    }
    Activation out = layers.get(layers.size() - 1).activation();
    if (loss.isPresent() && !loss.get().fits(out)) {
      throw new IllegalArgumentException("loss '" + loss.get().keyword()
          + "' cannot follow output activation '" + out.keyword() + "'");
    }
  }

  /** A network whose input is a vector of {@code inputSize} features. */
  public Network(String name, String sourceFile, int inputSize, List<Layer> layers,
      Optional<Loss> loss, Optimizer optimizer, long seed, Precision precision) {
    this(name, sourceFile, Shape.vector(inputSize), layers, loss, optimizer, seed, precision);
  }

  /** This network under another name. */
  public Network withName(String newName) {
    return new Network(newName, sourceFile, input, layers, loss, optimizer, seed, precision);
  }

  /** This network as if read from {@code newSourceFile}. */
  public Network withSourceFile(String newSourceFile) {
    return new Network(name, newSourceFile, input, layers, loss, optimizer, seed, precision);
  }

  /** This network with another initialization seed. */
  public Network withSeed(long newSeed) {
    return new Network(name, sourceFile, input, layers, loss, optimizer, newSeed, precision);
  }

  /** This network computing in another precision. */
  public Network withPrecision(Precision newPrecision) {
    return new Network(name, sourceFile, input, layers, loss, optimizer, seed, newPrecision);
  }

  /** This network with another loss (empty: inference only). */
  public Network withLoss(Optional<Loss> newLoss) {
    return new Network(name, sourceFile, input, layers, newLoss, optimizer, seed, precision);
  }

  /** This network with another optimizer. */
  public Network withOptimizer(Optimizer newOptimizer) {
    return new Network(name, sourceFile, input, layers, loss, newOptimizer, seed, precision);
  }

  /** Number of input values of one example (the flattened input shape). */
  public int inputSize() {
    return input.size();
  }

  /** The output layer. */
  public Layer outputLayer() {
    return layers.get(layers.size() - 1);
  }

  /** Number of outputs. */
  public int outputSize() {
    return outputLayer().outSize();
  }

  /** Total number of parameters. */
  public int parameterCount() {
    int n = 0;
    for (Layer l : layers) {
      n = Math.addExact(n, l.parameterCount());
    }
    return n;
  }

  /** Multiply-adds of one example's forward pass (see {@link Layer#multiplyAdds()}). */
  public long multiplyAdds() {
    long n = 0;
    for (Layer l : layers) {
      n += l.multiplyAdds();
    }
    return n;
  }

  /** Offset of layer {@code i}'s first parameter (its weight) in the flat parameter layout. */
  public int weightOffset(int i) {
    int off = 0;
    for (int k = 0; k < i; k++) {
      off += layers.get(k).parameterCount();
    }
    return off;
  }

  /** Offset of layer {@code i}'s bias in the flat parameter layout (right after its weight). */
  public int biasOffset(int i) {
    return weightOffset(i) + layers.get(i).weightCount();
  }

  /**
   * The flat parameter layout, PyTorch names and shapes, layer by layer (a dense layer's
   * {@code NAME.weight} [out, in] row-major, then {@code NAME.bias} [out]).
   */
  public List<TensorSpec> parameterLayout() {
    List<TensorSpec> specs = new ArrayList<>();
    for (Layer l : layers) {
      specs.addAll(l.parameters(weightOffset(l.index())));
    }
    return List.copyOf(specs);
  }

  /**
   * The optimizer's state tensors, as the generated classes' {@code optimizerStateLayout()}: for
   * each tensor of {@link #parameterLayout()}, in order, one tensor per state buffer of the
   * optimizer ({@code NAME.weight.momentum_buffer}, or {@code .exp_avg} then {@code .exp_avg_sq}),
   * of the parameter's shape, packed one after another from offset 0.
   */
  public List<TensorSpec> optimizerStateLayout() {
    return OptimizerLayout.of(parameterLayout(), optimizer.stateBuffers().toArray(String[]::new));
  }

  /**
   * Values per example in a target array (0 when the network has no loss). Allocation-free (no
   * Optional.map lambda): the interpreter asks for it on every training step.
   */
  public int targetWidth() {
    return loss.isPresent() ? loss.get().targetWidth(outputSize()) : 0;
  }
}
