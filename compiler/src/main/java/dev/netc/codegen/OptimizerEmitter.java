package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Layer;
import dev.netc.ir.Optimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.lang.model.element.Modifier;

/**
 * Emits the optimizer: hyperparameters as constants, its state as fields (buffers, step count,
 * learning rate), {@code optimizerStep()}, {@code resetOptimizer()} and one static {@code update}
 * helper that walks a parameter array. The update rule is the {@link Optimizer}'s template; this
 * class only lays it out over the layers. {@link OptimizerStateEmitter} adds the accessors.
 */
final class OptimizerEmitter {
  private final EmitContext ctx;
  private final Optimizer opt;

  OptimizerEmitter(EmitContext ctx) {
    this.ctx = ctx;
    this.opt = ctx.network().optimizer();
  }

  /** The learning rate of the .net file, then the hyperparameter constants of the templates. */
  List<FieldSpec> constants() {
    List<FieldSpec> f = new ArrayList<>();
    f.add(FieldSpec.builder(TypeName.DOUBLE, "LEARNING_RATE", Modifier.PRIVATE, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("The learning rate of the .net file.\n")
        .initializer("$L", dev.netc.ir.Decimals.of(opt.lr()))
        .build());
    for (Map.Entry<String, Double> c : opt.javaConstants().entrySet()) {
      f.add(FieldSpec.builder(ctx.scalar(), c.getKey(), Modifier.PRIVATE, Modifier.STATIC,
              Modifier.FINAL)
          .initializer("$L", ctx.lit(c.getValue()))
          .build());
    }
    return f;
  }

  /** State fields: per parameter array its state buffers, the step count, the learning rate. */
  List<FieldSpec> fields() {
    List<FieldSpec> f = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      List<String> w = weightState(l.index());
      List<String> b = biasState(l.index());
      for (int s = 0; s < w.size(); s++) {
        f.add(ctx.buffer(w.get(s), l.weightCount()));
        f.add(ctx.buffer(b.get(s), l.biasCount()));
      }
    }
    f.add(FieldSpec.builder(TypeName.LONG, "stepCount", Modifier.PRIVATE)
        .addJavadoc("Optimizer steps taken since construction or the last reset.\n")
        .build());
    f.add(FieldSpec.builder(TypeName.DOUBLE, "learningRate", Modifier.PRIVATE)
        .addJavadoc("The learning rate of the next optimizer step.\n")
        .initializer("LEARNING_RATE")
        .build());
    return f;
  }

  /** The state buffers of layer {@code index}'s weight, in {@link Optimizer#stateBuffers} order. */
  List<String> weightState(int index) {
    if (!ctx.network().layers().get(index).hasParameters()) {
      return List.of();
    }
    Names.LayerNames n = ctx.names().layer(index);
    return List.of(n.weightState1(), n.weightState2()).subList(0, opt.stateBuffers().size());
  }

  /** The state buffers of layer {@code index}'s bias. */
  List<String> biasState(int index) {
    if (!ctx.network().layers().get(index).hasParameters()) {
      return List.of();
    }
    Names.LayerNames n = ctx.names().layer(index);
    return List.of(n.biasState1(), n.biasState2()).subList(0, opt.stateBuffers().size());
  }

  /** Per layer, the copy constructor's statements that copy the state from {@code source}. */
  List<CodeBlock> copyState() {
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      CodeBlock.Builder c = CodeBlock.builder();
      for (String s : stateNames(l)) {
        c.addStatement("$T.arraycopy(source.$N, 0,$Wthis.$N, 0, this.$N.length)", System.class,
            s, s, s);
      }
      blocks.add(c.build());
    }
    return blocks;
  }

  /**
   * optimizerStep (public, from a caller's gradient), reset, update and either step (internal,
   * from the gradient buffers) or, for a class whose mini-batches step fused ({@link
   * #fusedParameters}), updateAndClear.
   */
  List<MethodSpec> methods(boolean fused) {
    if (fused) {
      return List.of(step(true, true), reset(), update(false), update(true));
    }
    return List.of(step(true, false), step(false, false), reset(), update(false));
  }

  /**
   * Starts a step whose updates run later, layer by layer (the fused step of a mini-batch): the
   * locals {@code first} (if the rule has one) and the per-step scalars, which {@link
   * #fusedParameters} names.
   */
  void beginFusedStep(MethodSpec.Builder m) {
    if (opt.firstStepRule()) {
      m.addComment("torch.optim.SGD: the momentum buffer starts as the first gradient.");
      m.addStatement("boolean first = stepCount == 0");
    }
    beginStep(m);
  }

  /** The locals of {@link #beginFusedStep} as parameters, after {@code scale}. */
  List<ParameterSpec> fusedParameters() {
    List<ParameterSpec> p = new ArrayList<>();
    p.add(ParameterSpec.builder(ctx.scalar(), "scale").build());
    if (opt.firstStepRule()) {
      p.add(ParameterSpec.builder(TypeName.BOOLEAN, "first").build());
    }
    p.addAll(stepParameters());
    return p;
  }

  /**
   * Layer {@code index}'s update in a fused step: its weights and bias from their gradient
   * buffers times the local {@code scale}, which it leaves zero for the next batch.
   */
  CodeBlock fusedUpdate(int index) {
    return fusedUpdate(index, a -> CodeBlock.of("0"), a -> CodeBlock.of("$N.length", a));
  }

  /**
   * {@link #fusedUpdate} of part {@code part} of {@code parts} of the layer's parameters: slices
   * of whole cache lines (16 values), so that threads updating side by side share none but at
   * the ends of the arrays.
   */
  CodeBlock fusedUpdatePart(int index) {
    String start = VectorBatchKernels.balancedStart(ctx);
    return fusedUpdate(index, a -> CodeBlock.of("$N($N.length, 16, part, parts)", start, a),
        a -> CodeBlock.of("$N($N.length, 16, part + 1, parts)", start, a));
  }

  /** updateAndClear of the layer's weights, then bias, over [from(array), to(array)). */
  private CodeBlock fusedUpdate(int index, Function<String, CodeBlock> from,
      Function<String, CodeBlock> to) {
    Names.LayerNames n = ctx.names().layer(index);
    CodeBlock.Builder c = CodeBlock.builder();
    for (String[] p : new String[][] {{n.weight(), n.weightGrad()}, {n.bias(), n.biasGrad()}}) {
      List<String> state = p[0].equals(n.weight()) ? weightState(index) : biasState(index);
      c.addStatement("updateAndClear($L, $L, $L)",
          updateArgs(p[0], CodeBlock.of("$N, scale", p[1]), state), from.apply(p[0]),
          to.apply(p[0]));
    }
    return c.build();
  }

  /**
   * The statements that start a step: count it and compute the per-step scalars of the optimizer
   * as locals (which {@link #stepParameters()} names).
   */
  void beginStep(MethodSpec.Builder m) {
    m.addStatement("stepCount++");
    for (Map.Entry<String, String> s : opt.javaStepScalars(ctx.precision()).entrySet()) {
      m.addStatement("$T $L = $L", ctx.scalar(), s.getKey(), s.getValue());
    }
  }

  /** The per-step scalars as parameters, for the methods that a step calls. */
  List<ParameterSpec> stepParameters() {
    List<ParameterSpec> p = new ArrayList<>();
    for (String name : opt.javaStepScalars(ctx.precision()).keySet()) {
      p.add(ParameterSpec.builder(ctx.scalar(), name).build());
    }
    return p;
  }

  private String stepArguments() {
    return String.join(", ", opt.javaStepScalars(ctx.precision()).keySet());
  }

  private MethodSpec step(boolean external, boolean fused) {
    MethodSpec.Builder m;
    if (external) {
      m = MethodSpec.methodBuilder("optimizerStep")
          .addAnnotation(Override.class)
          .addJavadoc("Applies one optimizer step with the gradient {@code grad}, in {@link "
              + "#parameterLayout()} order\n(e.g. summed with {@link #accumulateGradient}): "
              + "$L.\n", Javadoc.escape(opt.describe()))
          .addModifiers(Modifier.PUBLIC)
          .addParameter(ctx.array(), "grad")
          .addStatement("checkLength(grad.length, PARAMETER_COUNT, $S)", "gradient")
          .addCode(ctx.settleDeferred())
          .addCode(ctx.aligned().weightsWritten());
    } else {
      m = MethodSpec.methodBuilder("step")
          .addJavadoc("Applies one optimizer step with the gradient buffers times {@code "
              + "scale}.\n")
          .addModifiers(Modifier.PRIVATE)
          .addParameter(TypeName.DOUBLE, "scale");
    }
    List<ParameterSpec> params = new ArrayList<>();
    params.add(external ? ParameterSpec.builder(ctx.array(), "grad").build()
        : ParameterSpec.builder(TypeName.DOUBLE, "scale").build());
    if (opt.firstStepRule()) {
      m.addComment("torch.optim.SGD: the momentum buffer starts as the first gradient.");
      m.addStatement("boolean first = stepCount == 0");
      params.add(ParameterSpec.builder(TypeName.BOOLEAN, "first").build());
    }
    beginStep(m);
    params.addAll(stepParameters());
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      if (!l.hasParameters()) {
        continue;
      }
      Names.LayerNames n = ctx.names().layer(l.index());
      CodeBlock scale = external ? CodeBlock.of("$L", ctx.lit(1))
          : CodeBlock.of("$L", ctx.precision().cast("scale"));
      CodeBlock wg = CodeBlock.of("$N, $L", n.weightGrad(), scale);
      CodeBlock bg = CodeBlock.of("$N, $L", n.biasGrad(), scale);
      CodeBlock.Builder block = CodeBlock.builder();
      if (external) {
        // The layer's gradient buffers are scratch between steps (every gradient computation
        // zeroes them first): update reads its gradient at the parameters' own index, which
        // C2 vectorizes, and not at an offset into grad, which it did not.
        block.addStatement("$T.arraycopy(grad, $L, $N, 0, $L)", System.class,
            ctx.network().weightOffset(l.index()), n.weightGrad(), l.weightCount());
        block.addStatement("$T.arraycopy(grad, $L, $N, 0, $L)", System.class,
            ctx.network().biasOffset(l.index()), n.biasGrad(), l.biasCount());
      }
      blocks.add(block
          .addStatement("update($L)", updateArgs(n.weight(), wg, weightState(l.index())))
          .addStatement("update($L)", updateArgs(n.bias(), bg, biasState(l.index())))
          .build());
    }
    m.addCode(ctx.helpers().perLayer(external ? "optimizerStep" : "step", false, params,
        blocks));
    if (external && fused) {
      m.addStatement("gradientZeroed = false");
    }
    return m.build();
  }

  private CodeBlock updateArgs(String p, CodeBlock g, List<String> state) {
    CodeBlock.Builder c = CodeBlock.builder().add("$N, $L", p, g);
    for (String s : state) {
      c.add(", $N", s);
    }
    if (opt.firstStepRule()) {
      c.add(", first");
    }
    return c.add(", $L", stepArguments()).build();
  }

  private MethodSpec reset() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("resetOptimizer")
        .addAnnotation(Override.class)
        .addJavadoc("Forgets the optimizer state (the step count$L); the learning rate stays.\n",
            opt.stateBuffers().isEmpty() ? "" : " and the buffers "
                + String.join(", ", opt.stateBuffers()))
        .addModifiers(Modifier.PUBLIC)
        .addCode(ctx.settleDeferred());
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      CodeBlock.Builder c = CodeBlock.builder();
      for (String s : stateNames(l)) {
        c.addStatement("$T.fill($N, $L)", Arrays.class, s, ctx.lit(0));
      }
      blocks.add(c.build());
    }
    m.addCode(ctx.helpers().perLayer("resetOptimizer", blocks));
    m.addStatement("stepCount = 0");
    return m.build();
  }

  /**
   * update, or with {@code clear} updateAndClear, which also sets each gradient value to zero
   * once read: the next batch's kernels then add to zeros without a pass of their own over the
   * buffers.
   */
  private MethodSpec update(boolean clear) {
    List<String> buffers = List.of("s0", "s1").subList(0, opt.stateBuffers().size());
    MethodSpec.Builder m = MethodSpec.methodBuilder(clear ? "updateAndClear" : "update")
        .addJavadoc("One optimizer step on one parameter array$L$L:\n$L.\n",
            buffers.isEmpty() ? "" : " and its state buffers",
            clear ? ", leaving the gradient zero" : "", Javadoc.escape(opt.describe()))
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .addParameter(ctx.array(), "p")
        .addParameter(ctx.array(), "g")
        // In the network's precision, so that C2 vectorizes the loop (see scaledCopy).
        .addParameter(ctx.scalar(), "scale");
    List<String> elements = new ArrayList<>();
    for (String b : buffers) {
      m.addParameter(ctx.array(), b);
      elements.add(b + "[i]");
    }
    if (opt.firstStepRule()) {
      m.addParameter(TypeName.BOOLEAN, "first");
    }
    m.addParameters(stepParameters());
    if (clear) {
      m.addJavadoc("Values {@code from} to {@code to} - 1 (parts of a step split over a team).\n");
      m.addParameter(TypeName.INT, "from").addParameter(TypeName.INT, "to");
    }
    String first = opt.firstStepRule() ? "first" : null;
    // A plain loop for both backends, which C2 vectorizes, the subnormal flush included
    // (without a branch). Vector API code here, inlined into every step, made C2 box the
    // vectors of whole training steps in AllocationTest under load (JDK 17).
    m.beginControlFlow(clear ? "for (int i = from; i < to; i++)"
        : "for (int i = 0; i < p.length; i++)");
    m.addStatement("$T wi = p[i]", ctx.scalar());
    m.addStatement("$T gi = g[i] * scale", ctx.scalar());
    if (clear) {
      m.addStatement("g[i] = $L", ctx.lit(0));
    }
    for (String s : opt.javaUpdate(ctx.scalar().toString(), "p[i]", elements, first,
        ctx.precision(), true)) {
      m.addStatement("$L", s);
    }
    m.endControlFlow();
    return m.build();
  }

  private List<String> stateNames(Layer l) {
    List<String> s = new ArrayList<>();
    List<String> w = weightState(l.index());
    List<String> b = biasState(l.index());
    for (int k = 0; k < w.size(); k++) {
      s.add(w.get(k));
      s.add(b.get(k));
    }
    return s;
  }
}
