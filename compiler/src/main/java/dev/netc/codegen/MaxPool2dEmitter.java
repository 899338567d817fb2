package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * A maxpool layer's per-example methods. Forward keeps the first maximum of each window in
 * row-major order, a NaN if the window has one (PyTorch's rules, as the interpreter), and, in a
 * trainable class, remembers its input index, so backward adds each output's delta to that
 * input alone. When windows do not overlap, backward writes δ·σ' of the previous layer there
 * directly instead of making a second pass over every input; the inputs no window picked stay 0
 * (the interpreter's 0·σ', which is NaN only where σ' is not finite).
 *
 * <p>The forward pass runs the backend's kernel where it has one ({@link
 * Backend#maxPoolKernel}: the vector backend's {@link VectorPools}, for windows 2 columns wide),
 * and these scalar loops elsewhere.
 *
 * <p>{@code predict} of a trainable class runs a forward of its own that keeps only the maxima:
 * remembering the index took half the time of the Fashion CNN's first pool (19–24 against 8–11
 * µs per image on a Zen 3 host), and finding it again in backward instead (from the layer's
 * input and output) cost training as much (13–21 µs per example against 5).
 */
final class MaxPool2dEmitter extends PerExampleEmitter {
  private final PoolLoops loops;
  /** The loops of the values-only pass: over what predict hands the layer, if anything. */
  private final PoolLoops predictLoops;
  /** The backend's kernel of the layer's forward pass, if it has one. */
  private final Optional<Backend.PoolKernel> kernel;
  /** The field of each output's argmax, for the example forward saw last; null if untrainable. */
  private final String argmax;
  /** The forward method {@code predict} runs (maxima only); null if untrainable. */
  private final String predictForward;

  MaxPool2dEmitter(MaxPool2d pool, EmitContext ctx, Backend backend) {
    super(pool, ctx);
    this.kernel = backend.maxPoolKernel(pool, ctx.trainable());
    this.loops = new PoolLoops(pool.inputShape(), pool.outputShape(), pool.window());
    this.predictLoops = PoolLoops.inPredict(pool, ctx);
    this.argmax = ctx.trainable() ? ctx.argmaxOf(pool) : null;
    this.predictForward = ctx.trainable() ? n.predict() : null;
  }

  @Override
  public List<FieldSpec> fields() {
    List<FieldSpec> fields = new ArrayList<>();
    if (argmax != null) {
      fields.add(FieldSpec.builder(ArrayTypeName.of(TypeName.INT), argmax, Modifier.PRIVATE,
              Modifier.FINAL)
          .addJavadoc("Input index of each output's maximum, for the last forward pass.\n")
          .initializer("new int[$L]", layer.outSize())
          .build());
    }
    kernel.ifPresent(k -> fields.addAll(k.fields()));
    return fields;
  }

  @Override
  public MethodSpec forward() {
    return maxima(n.forward(), argmax != null);
  }

  @Override
  public MethodSpec predictForward() {
    return predictForward == null ? null : maxima(predictForward, false);
  }

  /**
   * predict's pass (values only) over the channels from {@code chFirst} to before {@code chEnd},
   * a part of a stage of predict over the team ({@link PredictSplit}).
   */
  @Override
  public Optional<PredictParts> predictParts() {
    String whole = predictForward != null ? predictForward : n.forward();
    return Optional.of(new PredictParts(null, maxima(ctx.names().helper(whole + "Channels"),
        false, true), loops.out().channels(), 1));
  }

  /**
   * The method {@code name}: each window's maximum into the layer's activations and, if
   * {@code remember}, its index into argmax. The layer's z is not written: without an
   * activation nothing reads it.
   */
  private MethodSpec maxima(String name, boolean remember) {
    return maxima(name, remember, false);
  }

  /**
   * {@link #maxima}; with {@code part} over the channels from its parameter {@code chFirst} to
   * before {@code chEnd}.
   */
  private MethodSpec maxima(String name, boolean remember, boolean part) {
    String first = part ? "chFirst" : null;
    String end = part ? "chEnd" : null;
    CodeBlock.Builder c = CodeBlock.builder();
    // Without indices this is predict's pass (or the forward pass of a class that does not
    // train), which reads what the previous layer hands it, if anything: its bordered rows.
    Optional<EmitContext.PredictInput> handed = remember ? Optional.empty()
        : ctx.predictInputOf(layer.index());
    ctx.declareArray(c, "x", handed.map(EmitContext.PredictInput::array)
        .orElse(ctx.inputOf(layer.index())));
    ctx.declareArray(c, "a", n.act());
    if (remember) {
      c.addStatement("int[] arg = $N", argmax);
    }
    String how = remember ? ", first maximum of each window"
        : ", first maximum of each window (values only)";
    if (kernel.isPresent()) {
      c.beginControlFlow("if ($L)", kernel.get().guard());
      c.add(remember ? kernel.get().indexed() : part
          ? kernel.get().valuesOnlyChannels().apply(first, end) : kernel.get().valuesOnly());
      c.addStatement("return");
      c.endControlFlow();
      how += "; one vector pass over the output rows, each input row's column pairs first,"
          + " where the input has a vector of values";
    }
    if (handed.isPresent()) {
      how += "; the input read in the previous layer's rows of " + handed.get().shape().width();
    }
    scalarMaxima(c, remember, remember ? loops : predictLoops, first, end);
    if (!part) {
      return method(name, forwardDoc(how + "."), c.build());
    }
    return MethodSpec.methodBuilder(name)
        .addJavadoc("$L\n", forwardDoc(how + "; the channels from {@code chFirst} to before"
            + " {@code chEnd} (a part of predict over the team)."))
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "chFirst")
        .addParameter(TypeName.INT, "chEnd")
        .addCode(c.build())
        .build();
  }

  /**
   * The scalar loops of {@link #maxima}, over an input laid out as {@code loops} says, over the
   * channels from {@code first} to before {@code end} (null: all).
   */
  private void scalarMaxima(CodeBlock.Builder c, boolean remember, PoolLoops loops,
      String first, String end) {
    loops.openOutputs(c, first, end);
    if (remember) {
      c.addStatement("int best = first");
    }
    // The running maximum stays in a register: one load per window value.
    c.addStatement("$T max = x[first]", ctx.scalar());
    Optional<int[]> offsets = loops.windowOffsets();
    if (offsets.isPresent()) {
      // Unrolled: constant offsets, and the first value is not compared with itself.
      int[] off = offsets.get();
      for (int e = 1; e < off.length; e++) {
        c.addStatement("$T v$L = x[first + $L]", ctx.scalar(), e, off[e]);
        keepIfLarger(c, "v" + e, "first + " + off[e], remember);
      }
    } else {
      loops.openWindow(c);
      c.addStatement("$T v = x[at]", ctx.scalar());
      keepIfLarger(c, "v", "at", remember);
      loops.closeWindow(c);
    }
    if (remember) {
      c.addStatement("arg[q] = best");
    }
    c.addStatement("a[q] = max");
    loops.closeOutputs(c);
  }

  /**
   * {@code value} at input {@code at} becomes the maximum if larger, without a branch: after
   * relu, ties at 0 make a branch mispredict on every other window (the Fashion CNN's first pool
   * took 37 µs per training example with one, 12 µs without; an exact form of the tests below,
   * 30 µs). The value is {@code Math.max}, which keeps a NaN (the interpreter's and PyTorch's
   * rule: a NaN window is NaN). The index moves by {@code later}, the sign of
   * {@code max - value}: set exactly when value &gt; max, except for a tie of -0 before +0 or of
   * equal infinities, and for NaN, where the interpreter keeps the first maximum or takes the
   * last NaN; those windows may route their gradient to another position.
   */
  private void keepIfLarger(CodeBlock.Builder c, String value, String at, boolean remember) {
    if (remember) {
      if (ctx.precision() == Precision.FLOAT) {
        c.addStatement("best += (Float.floatToRawIntBits(max - $L) >>> 31) * ($L - best)", value,
            at);
      } else {
        c.addStatement("best += (int) (Double.doubleToRawLongBits(max - $L) >>> 63) * ($L - best)",
            value, at);
      }
    }
    c.addStatement("max = Math.max(max, $L)", value);
  }

  @Override
  public MethodSpec backprop() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "d", n.delta());
    declarePrevious(c);
    c.addStatement("int[] arg = $N", argmax);
    c.addStatement("$T.fill(g, $L)", Arrays.class, ctx.lit(0));
    c.beginControlFlow("for (int q = 0; q < $L; q++)", layer.outSize());
    if (loops.overlaps()) {
      // Overlapping windows can pick one input twice: the deltas add up before σ'.
      c.addStatement("g[arg[q]] += d[q]");
      c.endControlFlow();
      timesPreviousDerivative(c);
    } else {
      c.addStatement("int at = arg[q]");
      c.addStatement("g[at] = $L", timesPreviousDerivative("d[q]", "at"));
      c.endControlFlow();
    }
    return method(n.backprop(), "Layer " + Javadoc.escape(layer.name())
        + ": each output's delta to its window's maximum, times the previous activation's"
        + " derivative.", c.build());
  }
}
