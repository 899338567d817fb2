package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import dev.netc.ir.Activation;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * How a generated class writes its looped kernels: plain Java loops shaped for C2's
 * auto-vectorizer ({@link ScalarBackend}) or the Vector API ({@link VectorBackend}). Chosen once
 * per class by {@link #of}; the emitters ask it for code and never which one it is. Kernel shapes
 * (tile rows, examples, vectors) come from {@link CodegenPolicy}.
 */
interface Backend {

  /** The backend {@code ctx}'s policy names: the one place that chooses. */
  static Backend of(EmitContext ctx) {
    return ctx.policy().backend() == CodegenPolicy.Backend.VECTOR
        ? new VectorBackend(ctx) : new ScalarBackend(ctx);
  }

  /**
   * Whether the backend's {@link #onlineRow} can sum the next example's forward pass in the same
   * loop without slowing it: the vector backend's can (in vector lanes); the scalar backend's
   * loop is one C2 auto-vectorizes, which a float sum in it stops (its batch-1 MLP step went
   * from 4.0k to 2.8k samples/s, Zen 3).
   */
  static boolean sumsNextForwardInRow(CodegenPolicy policy) {
    return policy.backend() == CodegenPolicy.Backend.VECTOR;
  }

  /** Class constants the kernels use (the vector species), possibly none. */
  List<FieldSpec> constants();

  /**
   * The class's static initializer after its constants, if the backend needs one; it may add
   * the methods it calls to the class's helpers.
   */
  default Optional<CodeBlock> staticBlock() {
    return Optional.empty();
  }

  /**
   * The initializer of the batched path's {@code CHUNK} (examples per batched pass) for chunk
   * buffers of {@code capacity} examples: the capacity itself, or a chunk the class's kernel
   * plan names (at most the capacity).
   */
  CodeBlock chunkInitializer(int capacity);

  /**
   * The looped forward pass of one example through {@code layer}: {@code z = W x + b}, and
   * {@code a = σ(z)} for an elementwise σ, over the locals {@code w, b, x, z, a}; the weights'
   * rows start at {@code w[weightBase + 0]} ({@code weightBase} empty or an expression ending in
   * {@code " + "}).
   */
  void forwardRows(CodeBlock.Builder c, Layer layer, String weightBase);

  /**
   * {@link #forwardRows} over rows {@code from .. to - 1} only (int locals), with the input at
   * {@code x[xOff]} (int local {@code xOff}): a team thread's part of a one-example forward pass
   * ({@link PredictSplit}). It writes z, and σ where the whole pass applies it row by row; where
   * the whole pass applies σ by {@link #activateRange} after its rows, the caller does after the
   * team meets (a range kernel may use the class's scratch, which parts must not share). Each
   * row is computed by the same operations as in the whole pass, so the same bits. Only a
   * backend whose steps split ({@link #splitCalls}) has it.
   */
  default void forwardRowRange(CodeBlock.Builder c, Layer layer, String weightBase) {
    throw new UnsupportedOperationException("this backend does not split its passes");
  }

  /** How {@link #forwardRows} is shaped, for the method's javadoc. */
  String forwardDescription(Layer layer);

  /**
   * {@code a[aOff + i] = σ(z[zOff + i])} for {@code i < count} (an expression of at most {@code
   * maxCount}) in a kernel of this backend's own, the same bits as σ value by value; empty if it
   * has none for σ or so few values, and the caller writes σ value by value. The vector backend
   * has one for relu ({@link VectorRelu}) and for tanh in float ({@link VectorTanh}). a and z
   * may be the same range.
   */
  Optional<CodeBlock> activateRange(Activation act, String z, String zOff, String a, String aOff,
      String count, int maxCount);

  /**
   * {@code g[i] *= σ'(pz[i])} for {@code i < count} in a kernel of this backend's own, the same
   * bits as the loop value by value; empty if it has none for σ or so few values, and the caller
   * writes that loop. The vector backend has one for relu ({@link VectorRelu}).
   */
  Optional<CodeBlock> timesDerivativeRange(Activation act, String g, String pz, int count);

  /**
   * {@code dst[dstOff + i] += scale * src[srcOff + i]} for i below {@code len}: one weight row of
   * a looped layer's per-example gradient or back-propagation (an empty offset means 0).
   */
  void axpy(CodeBlock.Builder c, int len, String dst, String dstOff, String scale, String src,
      String srcOff);

  /**
   * One example's {@code g = Wᵀ d} (before σ') for a looped layer of {@code in} inputs and
   * {@code out} outputs, over the locals {@code w, d, g}: the scalar backend adds the weight
   * rows to {@code g} one after another ({@link #axpy}), the vector backend sums each block of
   * {@code g} in registers over all the rows and stores it once. The weights' rows start at
   * {@code w[weightBase + 0]}, as in {@link #forwardRows}.
   */
  void deltaRows(CodeBlock.Builder c, int in, int out, String weightBase);

  /**
   * A kernel of this backend's own for a maxpool layer's forward pass, with the same results as
   * the emitter's scalar loops; empty if it has none for this window. Its fields are the layer's
   * (scratch buffers) and its indices are kept only if {@code trainable}.
   */
  Optional<PoolKernel> maxPoolKernel(MaxPool2d pool, boolean trainable);

  /**
   * A maxpool kernel: code over the locals {@code x} and {@code a}, and {@code arg} (each
   * output's input index) in the indexed form, that runs where the class constant expression
   * {@code guard} is true, else the emitter's loops run.
   *
   * @param fields scratch fields the code uses
   * @param guard a constant expression, so the JIT keeps one of the two
   * @param indexed the code that keeps each output's index, or null in an untrainable class
   * @param valuesOnly the code that keeps the maxima only
   * @param valuesOnlyChannels valuesOnly over the channels from its first argument to before
   *     its second (expressions), which no other channel's outputs are written by
   */
  record PoolKernel(List<FieldSpec> fields, String guard, CodeBlock indexed,
      CodeBlock valuesOnly, BiFunction<String, String, CodeBlock> valuesOnlyChannels) {}

  /** How one example's convolutions of {@code conv} are computed. */
  ConvKernels convKernels(Conv2d conv);

  /** The chunk buffers of the mini-batch path. */
  List<FieldSpec> chunkFields();

  /** The start of {@code batchForward(xs, e0, m)}: brings the chunk's inputs into its layout. */
  void chunkInputs(MethodSpec.Builder m);

  /** The call of layer {@code index}'s batched forward method in {@code batchForward}. */
  CodeBlock forwardCall(int index);

  /** The call of layer {@code index}'s batched weight-gradient method. */
  CodeBlock gradientCall(int index);

  /**
   * The call of layer {@code index}'s batched weight-gradient method in the chunk that ends a
   * training step ({@code batchBackwardStep}), before the layer's update.
   */
  default CodeBlock lastGradientCall(int index) {
    return gradientCall(index);
  }

  /** The call of layer {@code index}'s batched back-propagation method ({@code index > 0}). */
  CodeBlock backpropCall(int index);

  /**
   * The calls of the batched kernels by parts, for a backend whose kernels split over a {@link
   * dev.netc.runtime.StepTeam} ({@link BatchEmitter#splitMethods}); empty if they do not.
   */
  default Optional<SplitCalls> splitCalls() {
    return Optional.empty();
  }

  /**
   * Calls of layer {@code index}'s batched kernels for part {@code split} ("part, parts"; "0, 1"
   * is all of the work), over the chunk {@code e0 .. e0 + m - 1}.
   */
  interface SplitCalls {
    /** Brings the layer's inputs into its forward's layout (a phase of its own before it). */
    CodeBlock transpose(int index, String split);

    /** The forward pass: z, activation and σ'. */
    CodeBlock forward(int index, String split);

    /** ∂W += Δᵀ X, ∂b += Σ Δ. */
    CodeBlock gradient(int index, String split);

    /** Δ of layer index - 1 ({@code index > 0}). */
    CodeBlock backprop(int index, String split);

    /**
     * The first layer's ∂W over the whole batch, examples 0 .. e0 + m - 1, in the chunk that
     * ends a step that deferred it ({@link BatchKernels#deferredExamples}): a phase of its own,
     * after every chunk's deltas were kept.
     */
    default CodeBlock deferredGradient(String split) {
      throw new UnsupportedOperationException("no deferred gradient");
    }
  }

  /** The body of {@code storeDelta(s)}: output delta {@code from} as example s of {@code to}. */
  void storeDelta(MethodSpec.Builder m, Layer output, String from, String to);

  /**
   * Whether a class that trains example by example adds large dense layers' weight gradients a
   * chunk at a time with {@link #batchKernels} (their batch-major chunk layout takes one
   * example's δ and input as rows).
   */
  boolean defersDenseGradients();

  /** The per-layer kernels of the mini-batch path. */
  BatchKernels batchKernels();

  /** Scratch fields of the one-example training step for {@code buffers} optimizer buffers. */
  List<FieldSpec> onlineFields(int buffers);

  /** Locals the one-example step declares before its loop over the output rows. */
  void onlineLocals(CodeBlock.Builder c, int buffers);

  /**
   * The one-example step's pass over weight row {@code o} (from {@code k = o * in}): for every
   * input i, propagate the delta with the old weight, form the gradient and update the weight and
   * its buffers ({@code WEIGHT_STATE} of {@link DenseOnline}); {@code element} emits that for
   * one element the backend does not handle itself. With {@code next} (else null), the pass
   * also adds each updated weight times {@code next[i]} to the local {@code zn}, in the order
   * of the backend's forward kernel for one row.
   */
  void onlineRow(CodeBlock.Builder c, int in, int buffers, boolean propagate, String next,
      DenseOnline.Element element);
}
