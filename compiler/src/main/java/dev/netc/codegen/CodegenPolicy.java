package dev.netc.codegen;

import dev.netc.ir.Layer;

/**
 * The one place that decides how each layer's arithmetic is shaped in generated code: fully
 * unrolled straight-line code for small layers, counted loops for everything else.
 *
 * <p>Why these shapes. HotSpot never JIT-compiles a method above 8000 bytecode bytes
 * ({@code HugeMethodLimit}); C2 gives up on very long single-accumulator chains; the class file
 * caps a method at 64 KB. So:
 *
 * <ul>
 *   <li>A layer is {@link Kernel#UNROLLED} when {@code in <= unrollMaxFanIn}, {@code out <=
 *       unrollMaxFanOut} and {@code in * out <= unrollMaxWeights}: every multiply-add is written
 *       out with its index baked in. The longest dependency chain is then {@code max(in, out)}
 *       terms, and each of the three per-layer methods (forward, weight gradient, back-propagation)
 *       stays far below 8000 bytes (about 18 bytes per weight, so at most about 4.6 KB under the
 *       caps enforced below; {@code MethodSizeTest} measures the worst case).
 *   <li>Every other layer is {@link Kernel#LOOPED}: counted loops whose bounds are compile-time
 *       constants. The forward pass computes {@code accumulators} output rows at a time: that
 *       many independent dot products, so the multiply-adds do not form one serial chain, while
 *       each sum still runs over the inputs in ascending order, the interpreter's order (results
 *       are bit-identical to the reference, and do not depend on the policy). The backward pass
 *       uses axpy shapes with no reduction in the inner loop ({@code g[i] += d * w[k + i]},
 *       {@code gw[k + i] += d * x[i]}), which C2 auto-vectorizes. Loop code has a size
 *       independent of the layer's size: a 4096×4096 layer gives methods of a few hundred bytes.
 * </ul>
 *
 * <p>Weights always live in arrays (row-major, PyTorch's {@code [out, in]}), never in literals:
 * literals would bloat the constant pool and make {@code setParameters} impossible.
 *
 * @param unrollMaxWeights largest {@code in * out} that is fully unrolled
 * @param unrollMaxFanIn largest {@code in} that is fully unrolled (forward chain length)
 * @param unrollMaxFanOut largest {@code out} that is fully unrolled (back-propagation chain length)
 * <p>Methods whose length grows with the depth (constructors, parameter copies, the optimizer step)
 * hold at most {@code layersPerMethod} layers' statements each (about 170 bytes per layer in the
 * longest, the copy constructor); deeper networks get private helper methods (see {@code
 * Helpers}), and their fields are then not {@code final} since helpers assign them.
 *
 * @param accumulators output rows computed together, as independent sums, by a looped forward
 *     pass (1 to 8)
 * @param layersPerMethod the most layers whose statements one method holds (1 to 32)
 */
public record CodegenPolicy(int unrollMaxWeights, int unrollMaxFanIn, int unrollMaxFanOut,
    int accumulators, int layersPerMethod) {

  /** How one layer's forward and backward arithmetic is emitted. */
  public enum Kernel {
    /** Straight-line code, every index a constant. */
    UNROLLED,
    /** Counted loops with constant bounds; forward dot products with several accumulators. */
    LOOPED
  }

  /** Validates the limits; the unroll limits are capped so no unrolled method nears 8000 bytes. */
  public CodegenPolicy {
    if (unrollMaxWeights < 0 || unrollMaxWeights > 256) {
      throw new IllegalArgumentException("unrollMaxWeights must be in [0, 256]");
    }
    if (unrollMaxFanIn < 0 || unrollMaxFanIn > 32 || unrollMaxFanOut < 0 || unrollMaxFanOut > 32) {
      throw new IllegalArgumentException("unroll fan-in and fan-out must be in [0, 32]");
    }
    if (accumulators < 1 || accumulators > 8) {
      throw new IllegalArgumentException("accumulators must be in [1, 8]");
    }
    if (layersPerMethod < 1 || layersPerMethod > 32) {
      throw new IllegalArgumentException("layersPerMethod must be in [1, 32]");
    }
  }

  /**
   * The default policy: unroll up to 16 inputs, 32 outputs and 256 weights; 4 rows at a time; 16
   * layers per method.
   */
  public static CodegenPolicy defaults() {
    return new CodegenPolicy(256, 16, 32, 4, 16);
  }

  /** A policy that never unrolls (useful to test the looped kernels on small layers). */
  public static CodegenPolicy alwaysLooped() {
    return new CodegenPolicy(0, 0, 0, 4, 16);
  }

  /** This policy with another number of layers per method (to test deep-network splitting). */
  public CodegenPolicy withLayersPerMethod(int layers) {
    return new CodegenPolicy(unrollMaxWeights, unrollMaxFanIn, unrollMaxFanOut, accumulators,
        layers);
  }

  /** The kernel used for {@code layer}. */
  public Kernel kernel(Layer layer) {
    boolean small = layer.inSize() <= unrollMaxFanIn
        && layer.outSize() <= unrollMaxFanOut
        && (long) layer.inSize() * layer.outSize() <= unrollMaxWeights;
    return small ? Kernel.UNROLLED : Kernel.LOOPED;
  }

  /** Rows computed together for a looped layer with {@code n} outputs: at most {@code n}. */
  public int accumulatorsFor(int n) {
    return Math.max(1, Math.min(accumulators, n));
  }
}
