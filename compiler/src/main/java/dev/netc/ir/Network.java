package dev.netc.ir;

import dev.netc.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One checked network: the immutable value that the interpreter runs and the code generator emits.
 *
 * @param sourceFile the {@code .net} file it came from, as the user named it (for messages and the
 *     generated javadoc)
 * @param loss empty for an inference-only network
 * @param seed the initialization seed
 */
public record Network(
    String name,
    String sourceFile,
    int inputSize,
    List<Layer> layers,
    Optional<Loss> loss,
    Optimizer optimizer,
    long seed,
    Precision precision) {

  /** Validates that the layers chain (each layer's input is the previous layer's output). */
  public Network {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sourceFile, "sourceFile");
    Objects.requireNonNull(loss, "loss");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(precision, "precision");
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("network " + name + " has no layers");
    }
    int in = inputSize;
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      if (l.index() != i || l.inSize() != in) {
        throw new IllegalArgumentException("layer " + l.name() + " does not chain");
      }
      if (!l.activation().isElementwise() && i != layers.size() - 1) {
        throw new IllegalArgumentException("softmax only on the output layer");
      }
      in = l.outSize();
    }
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

  /** Offset of layer {@code i}'s weight in the flat parameter layout. */
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
   * The flat parameter layout, PyTorch names and shapes: {@code NAME.weight} [out, in] row-major,
   * then {@code NAME.bias} [out], layer by layer.
   */
  public List<TensorSpec> parameterLayout() {
    List<TensorSpec> specs = new ArrayList<>();
    for (Layer l : layers) {
      specs.add(new TensorSpec(l.name() + ".weight", new int[] {l.outSize(), l.inSize()},
          weightOffset(l.index())));
      specs.add(new TensorSpec(l.name() + ".bias", new int[] {l.outSize()},
          biasOffset(l.index())));
    }
    return List.copyOf(specs);
  }

  /**
   * Values per example in a target array (0 when the network has no loss). Allocation-free (no
   * Optional.map lambda): the interpreter asks for it on every training step.
   */
  public int targetWidth() {
    return loss.isPresent() ? loss.get().targetWidth(outputSize()) : 0;
  }
}
