package dev.netc.codegen;

import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import java.util.ArrayList;
import java.util.List;

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
    // Java 17 has no pattern switch; Layer is sealed, so this case is all.
    return new DenseEmitter((Dense) layer, ctx, backend);
  }

  /** One example forward: the layer's z and activations from its input. */
  MethodSpec forward();

  /** One example: adds the parameters' gradient (classes without a mini-batch path). */
  MethodSpec gradient();

  /** One example: the previous layer's delta (not for the first layer). */
  MethodSpec backprop();

  /** The chunk's forward pass. */
  MethodSpec batchForward();

  /** The chunk's parameter gradient. */
  MethodSpec batchGradient();

  /** The chunk's back-propagation (not for the first layer). */
  MethodSpec batchBackprop();

  /** The fused one-example training step of the layer, taking {@code parameters}. */
  MethodSpec online(List<ParameterSpec> parameters);
}
