package dev.netc.codegen;

import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Flatten;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The methods of one layer in a generated class, for its kind: the per-example forward, gradient
 * and back-propagation, the mini-batch kernels and the one-example training step. The drivers
 * ({@link JavaGenerator}, {@link BatchEmitter}, {@link OnlineEmitter}) call these in layer order;
 * a new layer kind is a new implementation, registered in {@link #of}.
 */
interface LayerEmitter {

  /** One emitter per layer of the network, in order. */
  static List<LayerEmitter> all(EmitContext ctx, Backend backend) {
    List<LayerEmitter> emitters = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      emitters.add(of(l, ctx, backend));
    }
    return emitters;
  }

  /** The emitter of {@code layer}'s kind. */
  static LayerEmitter of(Layer layer, EmitContext ctx, Backend backend) {
    // Java 17 has no pattern switch; Layer is sealed, so these cases are all.
    if (layer instanceof Dense d) {
      return new DenseEmitter(d, ctx, backend);
    } else if (layer instanceof Conv2d c) {
      return new Conv2dEmitter(c, ctx, backend);
    } else if (layer instanceof MaxPool2d m) {
      return new MaxPool2dEmitter(m, ctx, backend);
    } else if (layer instanceof AvgPool2d a) {
      return new AvgPool2dEmitter(a, ctx);
    } else if (layer instanceof Flatten f) {
      return new FlattenEmitter(f, ctx);
    }
    throw new IllegalArgumentException("no emitter for " + layer);
  }

  /** Fields the layer's kernels need besides the per-layer buffers, possibly none. */
  default List<FieldSpec> fields() {
    return List.of();
  }

  /**
   * A method that adds gradient sums the layer's kernels keep aside during a batch to its
   * gradient buffers; the training drivers call it once per batch, before the gradient is read.
   * Null when there is none.
   */
  default MethodSpec settleGradient() {
    return null;
  }

  /**
   * A method that derives, from the layer's parameters, what its backward kernels read in every
   * example of a batch (a copy of the weights in another order), so that it is made once per
   * batch instead of once per example; the training drivers call it before a batch's examples
   * run, when no parameter changes until they are done. Null when there is none.
   */
  default MethodSpec prepareBackward() {
    return null;
  }

  /** One example forward: the layer's z and activations from its input. */
  MethodSpec forward();

  /**
   * A forward method {@code predict} runs instead of {@link #forward} when it can skip state
   * only training needs (a trainable max pool's argmax), or null: then predict runs forward.
   */
  default MethodSpec predictForward() {
    return null;
  }

  /**
   * predict's forward pass of a layer in parts over a team ({@link PredictSplit}): {@code
   * channels(chFirst, chEnd)} on each thread over its output channels, from multiples of {@code
   * align}, of {@code count}; for a convolution, {@code prologue(chFirst, chEnd)} first (what
   * every part reads) over the input channels, by the calling thread or the previous layer's
   * parts. A max pool's has no prologue (null).
   */
  record PredictParts(MethodSpec prologue, MethodSpec channels, int count, int align) {}

  /**
   * The methods of {@link #predictForward} (or of {@link #forward}, in a class that does not
   * train) in parts over a team, where the layer's pass can part by channels; empty otherwise.
   * Called at most once: the class holds what it returns.
   */
  default Optional<PredictParts> predictParts() {
    return Optional.empty();
  }

  /**
   * The forward method predict runs over the aligned copy of the layer's weights ({@link
   * AlignedWeights}), or null where the layer has none.
   */
  default MethodSpec alignedForward() {
    return null;
  }

  /** One example: adds the parameters' gradient (classes without a mini-batch path). */
  MethodSpec gradient();

  /** One example: the previous layer's delta (not for the first layer). */
  MethodSpec backprop();

  /**
   * {@link #backprop} over the aligned copy of the layer's weights, for a class that trains
   * example by example ({@link AlignedWeights}), or null where the layer has none.
   */
  default MethodSpec alignedBackprop() {
    return null;
  }

  /** The chunk's forward pass. */
  MethodSpec batchForward();

  /** The chunk's parameter gradient. */
  MethodSpec batchGradient();

  /** The chunk's back-propagation (not for the first layer). */
  MethodSpec batchBackprop();

  /** The fused one-example training step of the layer, taking {@code parameters}. */
  MethodSpec online(List<ParameterSpec> parameters);
}
