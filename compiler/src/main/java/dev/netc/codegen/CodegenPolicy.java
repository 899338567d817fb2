package dev.netc.codegen;

import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import java.util.List;

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
 * <p><b>Mini-batches</b> ({@link #batched}: the network has a looped layer). {@code n > 1}
 * examples go through GEMM-shaped code, {@code chunk} examples at a time so that the batch
 * buffers stay in L1/L2 and memory does not grow with {@code n}. Layouts are chosen for C2's
 * auto-vectorizer, which only vectorizes an innermost loop over a contiguous index with
 * independent lanes (an axpy, never a float reduction):
 *
 * <ul>
 *   <li>forward {@code Z = W X}: activations <em>feature-major</em> ({@code [feature][sample]}),
 *       inner loop over the samples of the chunk; a tile of {@link #forwardRows} output rows ×
 *       {@link #forwardInputs} inputs loads each of its weights once per chunk and keeps them in
 *       registers, each accumulator load/store serves {@code forwardInputs} multiply-adds;
 *   <li>the epilogue fuses bias, activation and derivative and writes the activations in both
 *       layouts (the transpose is free there);
 *   <li>backward ({@code δ_prev = Wᵀ δ ⊙ σ'}, {@code ∂W += δ Xᵀ}): activations and deltas
 *       <em>batch-major</em> ({@code [sample][feature]}), inner loop over the features, which is
 *       the contiguous index of both {@code W}'s rows and the activations; tiles of one
 *       destination row × 4 source rows ({@code ScalarBatchKernels}).
 * </ul>
 *
 * <p>With the {@link Backend#VECTOR} backend the same loops are written with
 * {@code jdk.incubator.vector}: batch-major everywhere, forward as register-tiled dot products
 * (vector accumulators reduced once per output), backward as register tiles that sum a whole
 * chunk before touching their destination ({@link RegisterTiles}).
 *
 * @param accumulators output rows computed together, as independent sums, by a looped forward
 *     pass of one example (1 to 8)
 * @param layersPerMethod the most layers whose statements one method holds (1 to 32)
 * @param chunk examples per batched pass (4 to 256); 0 disables the batched kernels
 * @param backend scalar Java (default, dependency-free) or the Vector API
 * @param plan the vector backend's kernel variant when the app names none at run time (see
 *     {@link KernelPlan}); the scalar backend ignores it
 * @param registerTiles the vector backend's register tiles (convolution GEMMs and the batched
 *     dense kernels): sized for the CPU's register file (picked at class initialization), or
 *     always wide or narrow (to test both anywhere)
 */
public record CodegenPolicy(int unrollMaxWeights, int unrollMaxFanIn, int unrollMaxFanOut,
    int accumulators, int layersPerMethod, int chunk, Backend backend, KernelPlan plan,
    RegisterTiles registerTiles) {

  /**
   * The shapes of the vector backend's register tiles: accumulators, the vectors they multiply
   * and a broadcast must fit the CPU's vector registers, or the tile spills on every step.
   */
  public enum RegisterTiles {
    /**
     * {@link #WIDE} where the CPU has AVX-512's 32 vector registers (its preferred species is
     * 512 bits wide), else {@link #NARROW}. The JVM's preferred species decides, so an AVX-512
     * CPU whose JVM is limited to 256-bit vectors ({@code -XX:MaxVectorSize=32}) gets the narrow
     * tiles, which fit there too.
     */
    AUTO,
    /**
     * For 32 registers. Convolution forward and input-delta tiles of 8 rows × 3 vectors of
     * positions where the rows divide by 8 and each sum has 32 terms or more (24 accumulators,
     * 3 loaded vectors, a broadcast weight), else up to 4 rows × 4 vectors; batched dense
     * kernels: forward column tiles of 8 rows × 2 vectors of examples, weight-gradient and
     * back-propagation tiles of 8 rows × 3 vectors (4 × 4 before: the MLP's batch-128 step
     * 77.5k → 83.5k samples/s, batch 32 65.3k → 67.2k, Intel Xeon host).
     */
    WIDE,
    /**
     * For AVX2's 16 registers. Convolution tiles of up to 4 rows × 2 vectors (4 × 4 spilled:
     * the Small CNN's predict ran at 8.5k against 10.1k images/s on a Zen 3 host); batched dense
     * kernels: column tiles of 6 × 2 and gradient and back-propagation tiles of 6 rows × 2
     * vectors (12 accumulators, 2 loaded vectors, a broadcast: 15 registers; the Fashion MLP's
     * batch-32 step 17–29 % faster than with the wide tiles on the same host).
     */
    NARROW;

    /**
     * Rows of a batched forward column tile: the batched forward pass runs in column tiles,
     * examples in the vector lanes ({@link #columnVectors} vectors of examples, one broadcast
     * weight per row and input), unless the class's {@link KernelPlan} asks for dot products
     * along the inputs or the chunk is narrower than a vector. A dot product ends in a reduction
     * across the lanes, which JDK 17 sums one lane after another (15 dependent adds for 16
     * floats); the column tiles have no reduction but need the chunk's inputs transposed
     * feature-major and their outputs transposed back.
     */
    int columnRows() {
      return this == WIDE ? 8 : 6;
    }

    /** Vectors of output positions of a convolution forward or input-delta tile. */
    int convVectors() {
      return this == WIDE ? 4 : 2;
    }

    /** Vectors of examples of a batched forward column tile. */
    int columnVectors() {
      return 2;
    }

    /**
     * Rows of a batched backward register tile (weight rows for ∂W, examples for Δ_prev). Each
     * tile sums over the whole chunk (examples for ∂W, output rows for Δ_prev) in registers and
     * touches its destination once: the earlier tiles of 2 rows × 4 terms loaded and stored ∂W
     * once per 4 examples, and ∂W of a 784×256 layer (800 KB) does not stay in L1, so that kernel
     * was bound by the cache, not by the multiply-adds (315 → 246 µs).
     */
    int tileRows() {
      return this == WIDE ? 8 : 6;
    }

    /** Vectors per row of a batched weight-gradient or back-propagation tile. */
    int tileVectors() {
      return this == WIDE ? 3 : 2;
    }
  }

  /** How one layer's forward and backward arithmetic is emitted. */
  public enum Kernel {
    /** Straight-line code, every index a constant. */
    UNROLLED,
    /** Counted loops with constant bounds; forward dot products with several accumulators. */
    LOOPED
  }

  /** Which instructions the generated loops are written with. */
  public enum Backend {
    /** Plain Java loops shaped for C2's auto-vectorizer; needs nothing but netc-runtime. */
    SCALAR,
    /**
     * {@code jdk.incubator.vector} with the preferred species and FMA; javac and java need
     * {@code --add-modules jdk.incubator.vector}.
     */
    VECTOR;

    /** The backend called {@code name} ({@code scalar} or {@code vector}), ignoring case. */
    public static Backend parse(String name) {
      for (Backend b : values()) {
        if (b.name().equalsIgnoreCase(name)) {
          return b;
        }
      }
      throw new IllegalArgumentException("unknown backend '" + name + "'; expected scalar or "
          + "vector");
    }
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
    if (chunk != 0 && (chunk < 4 || chunk > 256)) {
      throw new IllegalArgumentException("chunk must be 0 or in [4, 256]");
    }
    if (backend == null || plan == null || registerTiles == null) {
      throw new IllegalArgumentException("backend, plan and registerTiles must not be null");
    }
    if (chunk != 0 && plan.chunk() > chunk) {
      throw new IllegalArgumentException("kernel plan " + plan + " asks for more examples per "
          + "batched pass than the chunk of " + chunk);
    }
  }

  /** A scalar policy with the default chunk of 64 examples. */
  public CodegenPolicy(int unrollMaxWeights, int unrollMaxFanIn, int unrollMaxFanOut,
      int accumulators, int layersPerMethod) {
    this(unrollMaxWeights, unrollMaxFanIn, unrollMaxFanOut, accumulators, layersPerMethod, 64,
        Backend.SCALAR, KernelPlan.PREFERRED, RegisterTiles.AUTO);
  }

  /**
   * The default policy: unroll up to 16 inputs, 32 outputs and 256 weights; 4 rows at a time; 16
   * layers per method; mini-batches 64 examples at a time; scalar backend (vector: the preferred
   * species unless the app names a plan).
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
        layers, chunk, backend, plan, registerTiles);
  }

  /** This policy with another batch chunk (0: examples one by one, the reference order). */
  public CodegenPolicy withChunk(int examples) {
    return new CodegenPolicy(unrollMaxWeights, unrollMaxFanIn, unrollMaxFanOut, accumulators,
        layersPerMethod, examples, backend, plan, registerTiles);
  }

  /** This policy with another backend. */
  public CodegenPolicy withBackend(Backend b) {
    return new CodegenPolicy(unrollMaxWeights, unrollMaxFanIn, unrollMaxFanOut, accumulators,
        layersPerMethod, chunk, b, plan, registerTiles);
  }

  /** This policy with another default kernel plan for the vector backend. */
  public CodegenPolicy withPlan(KernelPlan p) {
    return new CodegenPolicy(unrollMaxWeights, unrollMaxFanIn, unrollMaxFanOut, accumulators,
        layersPerMethod, chunk, backend, p, registerTiles);
  }

  /** This policy with other register tiles for the vector backend. */
  public CodegenPolicy withRegisterTiles(RegisterTiles tiles) {
    return new CodegenPolicy(unrollMaxWeights, unrollMaxFanIn, unrollMaxFanOut, accumulators,
        layersPerMethod, chunk, backend, plan, tiles);
  }

  /**
   * True if mini-batches of this network use the batched kernels: every layer is dense
   * (convolution, pooling and flatten layers train example by example, through their per-example
   * kernels), some layer is looped (a network of only unrolled layers is so small that
   * per-example straight-line code is faster than any batch bookkeeping) and the chunk is not 0.
   */
  public boolean batched(Network network) {
    return chunk > 0 && network.layers().stream().allMatch(l -> l instanceof Dense)
        && network.layers().stream().anyMatch(l -> kernel(l) == Kernel.LOOPED);
  }

  /**
   * Output rows of a forward tile: 4, fewer for a narrower layer. Four rows times four inputs is
   * 16 weights held in registers plus 8 vectors of activations: within x86's 16 (AVX2) or 32
   * (AVX-512) vector registers.
   */
  public int forwardRows(Layer layer) {
    return Math.min(FORWARD_ROWS, layer.outSize());
  }

  /** The most output rows of a forward tile; see {@link #forwardRows}. */
  public static final int FORWARD_ROWS = 4;

  /** The most inputs of a forward tile; see {@link #forwardInputs}. */
  public static final int FORWARD_INPUTS = 4;

  /**
   * Scalar backend: source rows summed per pass of a backward kernel (examples for ∂W, output rows
   * for Δ_prev), so each pass over a destination row serves that many multiply-adds
   * ({@code ScalarBatchKernels}).
   */
  public static final int SCALAR_BACKWARD_TERMS = 4;

  /** Inputs of a forward tile: 4, fewer for a layer with fewer inputs. */
  public int forwardInputs(Layer layer) {
    return Math.min(FORWARD_INPUTS, layer.inSize());
  }

  /**
   * Vector backend: examples of a forward tile ({@link #forwardRows} rows × this many examples of
   * dot products). Each tile streams its rows' weights once, so 4 examples read the weights half
   * as often as 2 did; 4 × 4 are 16 vector accumulators plus 8 loaded vectors, within AVX-512's
   * 32 registers (a batch-32 step of the Fashion-MNIST MLP: 370 → 315 µs on one thread).
   */
  public static final int VECTOR_FORWARD_EXAMPLES = 4;

  /**
   * Vector backend: examples transposed together into the column tiles' feature-major input
   * buffer, each input's values of these examples written side by side.
   */
  public static final int VECTOR_TRANSPOSE_EXAMPLES = 8;


  /** The kernel used for {@code layer}. */
  public Kernel kernel(Layer layer) {
    boolean small = layer.inSize() <= unrollMaxFanIn
        && layer.outSize() <= unrollMaxFanOut
        && (long) layer.inSize() * layer.outSize() <= unrollMaxWeights;
    return small ? Kernel.UNROLLED : Kernel.LOOPED;
  }

  /**
   * Whether {@code net}'s one-example training step leaves the first layer's update pending and
   * applies it in the next step's forward pass, in the same pass over the weights ({@code
   * OnlineEmitter}; in a class that splits its steps, split by rows over the team): multi-layer
   * perceptrons whose first layer is not the output layer, where that layer's rows are written
   * out or the backend sums in its row loop ({@code Backend.sumsNextForwardInRow}).
   */
  public boolean defersFirstUpdate(Network net) {
    List<Layer> layers = net.layers();
    return net.loss().isPresent() && layers.size() >= 2
        && layers.stream().allMatch(l -> l instanceof Dense)
        && layers.get(0).activation().isElementwise()
        && (kernel(layers.get(0)) == Kernel.UNROLLED
            || dev.netc.codegen.Backend.sumsNextForwardInRow(this));
  }

  /** Rows computed together for a looped layer with {@code n} outputs: at most {@code n}. */
  public int accumulatorsFor(int n) {
    return Math.max(1, Math.min(accumulators, n));
  }
}
