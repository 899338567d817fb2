package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Layer;
import dev.netc.runtime.StepTeam;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Emits the mini-batch path of a network for which {@link CodegenPolicy#batched} holds: the chunk
 * buffers, the drivers that run a chunk forward ({@code batchForward}) and backward
 * ({@code batchBackward}), {@code outputRow} (one example's output into the per-example buffers,
 * where the loss code reads it), and the per-layer kernels of {@link BatchKernels}.
 */
final class BatchEmitter {
  private final EmitContext ctx;
  private final Backend backend;
  private final List<LayerEmitter> layers;
  private final int chunk;

  BatchEmitter(EmitContext ctx, Backend backend, List<LayerEmitter> layers) {
    this.ctx = ctx;
    this.backend = backend;
    this.layers = layers;
    this.chunk = ctx.policy().chunk();
    if (splits()) {
      // Before any kernel asks for it (VectorBatchKernels.balancedStart): its presence says the
      // class has a team.
      ctx.helpers().add(VectorBatchKernels.startMethod(BALANCED_START,
              ",\nin the team's split by its threads' speeds")
          .addComment("The ends first: a part of a phase run without a team (parts = 1).")
          .addStatement("return k >= parts ? n : k <= 0 ? 0 : team.partStart(n, align, k, parts)")
          .build());
    }
  }

  /**
   * balancedStart(n, align, k, parts), a helper of a class that splits its steps: where part k
   * of parts of n items starts in the split {@link StepTeam#partStart} balances by the speeds the
   * team's threads show, so that a core the machine runs slower gets less of each batched
   * kernel's work (docs/performance.md).
   */
  static final String BALANCED_START = "balancedStart";

  /**
   * The CHUNK constant: the chunk buffers hold {@code ctx.policy().chunk()} examples; a vector
   * class's kernel plan may ask for fewer ({@link Backend#chunkInitializer}).
   */
  FieldSpec constant() {
    return FieldSpec.builder(TypeName.INT, "CHUNK", Modifier.PRIVATE, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("Examples per batched pass: mini-batches are processed CHUNK at a time (the "
            + "buffers hold $L).\n", chunk)
        .initializer(backend.chunkInitializer(chunk))
        .build();
  }

  /** The chunk buffers, in the backend's layout. */
  List<FieldSpec> fields() {
    return backend.chunkFields();
  }

  /** Drivers, then per-layer kernels. */
  List<MethodSpec> methods() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(forward());
    m.add(outputRow());
    if (ctx.trainable()) {
      m.add(backward());
    }
    if (ctx.trainable()) {
      m.add(storeDelta());
    }
    for (int i = 0; i < layers.size(); i++) {
      m.add(layers.get(i).batchForward());
      if (ctx.trainable()) {
        m.add(layers.get(i).batchGradient());
        if (i > 0) {
          m.add(layers.get(i).batchBackprop());
        }
      }
    }
    if (defersGradient()) {
      m.add(backend.batchKernels().deferredGradient());
    }
    m.addAll(backend.batchKernels().sharedMethods());
    return m;
  }

  /**
   * Whether a {@code trainBatch} of more than one chunk (and at most {@link
   * BatchKernels#deferredExamples} examples) defers the first layer's ∂W to its end.
   */
  boolean defersGradient() {
    // deferredExamples is 0 for a class that does not train.
    return backend.batchKernels().deferredExamples() > 0;
  }

  /**
   * Whether a {@code trainBatch} of {@code n} examples defers the first layer's ∂W: more than one
   * chunk, at most {@link BatchKernels#deferredExamples} examples.
   */
  private CodeBlock deferredBatch() {
    return CodeBlock.of("n > CHUNK && n <= $L", backend.batchKernels().deferredExamples());
  }

  private List<ParameterSpec> chunkParameters() {
    return List.of(ParameterSpec.builder(ctx.array(), "xs").build(),
        ParameterSpec.builder(TypeName.INT, "e0").build(),
        ParameterSpec.builder(TypeName.INT, "m").build());
  }

  private MethodSpec forward() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("batchForward")
        .addJavadoc("Forward pass of examples e0 .. e0 + m - 1 (m <= CHUNK) of {@code xs}.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameters(chunkParameters());
    backend.chunkInputs(m);
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      blocks.add(backend.forwardCall(l.index()));
    }
    return m.addCode(ctx.helpers().perLayer("batchForward", false, chunkParameters(), blocks))
        .build();
  }

  private MethodSpec outputRow() {
    Layer out = ctx.network().outputLayer();
    Names.BatchNames b = ctx.names().batch(out.index());
    Names.LayerNames n = ctx.outputNames();
    int width = out.outSize();
    MethodSpec.Builder m = MethodSpec.methodBuilder("outputRow")
        .addJavadoc("Copies example s of the chunk's output layer into the per-example buffers.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "s")
        .addStatement("$T.arraycopy($N, s * $L, $N, 0, $L)", System.class, b.z(), width, n.z(),
            width);
    if (out.activation().isElementwise()) {
      m.addStatement("$T.arraycopy($N, s * $L, $N, 0, $L)", System.class, b.act(), width,
          n.act(), width);
    } else {
      CodeBlock.Builder c = CodeBlock.builder();
      c.addStatement("$T z = $N", ctx.array(), n.z());
      c.addStatement("$T a = $N", ctx.array(), n.act());
      new DenseKernels(ctx, backend).softmax(c, width);
      m.addCode(c.build());
    }
    return m.build();
  }

  private MethodSpec backward() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("batchBackward")
        .addJavadoc("Back-propagates the chunk's output deltas, adding its gradient to the "
            + "buffers.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameters(chunkParameters());
    List<CodeBlock> blocks = new ArrayList<>();
    for (int i = ctx.network().layers().size() - 1; i >= 0; i--) {
      CodeBlock.Builder b = CodeBlock.builder().add(backend.gradientCall(i));
      if (i > 0) {
        b.add(backend.backpropCall(i));
      }
      blocks.add(b.build());
    }
    return m.addCode(ctx.helpers().perLayer("batchBackward", false, chunkParameters(), blocks))
        .build();
  }

  /**
   * batchBackwardStep: the last chunk of a training step back-propagated with the optimizer's
   * update fused in. Each layer's δ goes back through its weights first; then its gradient is
   * completed and the layer updated at once, while the gradient is still in cache, and the
   * buffers left zero, so that no pass of its own zeroes them before the next batch. The
   * separate update and zeroing passes over every parameter took 13–27 % of a batch-32 step of
   * the Fashion-MNIST MLP (docs/performance.md). The same operations in the same order as
   * {@code batchBackward} then {@code step}: the same bits.
   */
  MethodSpec backwardStep(OptimizerEmitter optimizer) {
    List<ParameterSpec> params = new ArrayList<>(chunkParameters());
    params.addAll(optimizer.fusedParameters());
    MethodSpec.Builder m = MethodSpec.methodBuilder("batchBackwardStep")
        .addJavadoc("Back-propagates the last chunk's output deltas and applies the optimizer "
            + "step, layer by layer,\nwith the gradient buffers times {@code scale}; leaves "
            + "the buffers zero.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameters(params);
    List<CodeBlock> blocks = new ArrayList<>();
    for (int i = ctx.network().layers().size() - 1; i >= 0; i--) {
      CodeBlock.Builder b = CodeBlock.builder();
      if (i > 0) {
        b.add(backend.backpropCall(i));
      }
      blocks.add(b.add(backend.lastGradientCall(i)).add(optimizer.fusedUpdate(i)).build());
    }
    return m.addCode(ctx.helpers().perLayer("batchBackwardStep", false, params, blocks))
        .build();
  }

  /**
   * Layers above which a class does not split its steps: its phase methods ({@link
   * #splitMethods}) have a case per layer and phase ({@code updatePart}: about 110 bytes of
   * bytecode a layer with Adam's two update calls, 3,535 for 32 layers) and must stay below
   * HotSpot's 8000-byte limit ({@code MethodSizeTest}).
   */
  static final int MAX_SPLIT_LAYERS = 32;

  /**
   * Whether this class splits its training steps over a {@link StepTeam}: a trainable class of
   * a backend whose batched kernels take parts ({@link Backend#splitCalls}).
   */
  boolean splits() {
    return ctx.trainable() && backend.splitCalls().isPresent()
        && ctx.network().layers().size() <= MAX_SPLIT_LAYERS;
  }

  /**
   * A training step split over a {@link StepTeam}: the fields that carry a step's arguments to
   * the team's threads, {@code runPhase} (the phases below), {@code splitsSteps} and {@code
   * useStepTeam}.
   *
   * <p>Why: one core runs the Fashion MLP's batch-32 step at about 55 % of its sgemm rate, and
   * the replicas of {@link dev.netc.runtime.ParallelTrainer} lose on two cores at that size
   * (each replica reads all 802 KB of the first layer's weights and writes a gradient as big,
   * which then must be summed): 0.74–0.83 ms per step against 0.65 on one thread
   * (docs/performance.md). Split instead, the threads share one network: each computes its own
   * rows of a layer (or examples of a delta, or slice of an update), so nothing is summed and
   * every value is computed by the same operations in the same order as on one thread: the
   * results are the same bits.
   *
   * <p>Phases, each a meeting of the team (a phase reads only what earlier phases wrote): for
   * each layer, its inputs transposed, then its forward pass (rows); then, after the loss and
   * output deltas on the calling thread, for each layer from the last, its delta back
   * (examples) and its weight gradient (rows); in the chunk that ends the step, each layer's
   * update (slices) is in the phase after its gradient and its delta back, which read its
   * weights.
   */
  List<FieldSpec> splitFields(OptimizerEmitter optimizer) {
    ClassName team = ClassName.get(StepTeam.class);
    List<FieldSpec> f = new ArrayList<>();
    f.add(FieldSpec.builder(team, "team", Modifier.PRIVATE)
        .addJavadoc("The threads that share this network's steps (useStepTeam), or null.\n")
        .build());
    f.add(FieldSpec.builder(team.nestedClass("Phases"), "phases", Modifier.PRIVATE,
            Modifier.FINAL)
        .initializer("(phase, part, parts) -> runPhase(phase, part, parts)")
        .build());
    f.add(FieldSpec.builder(ctx.array(), "splitXs", Modifier.PRIVATE)
        .addJavadoc("The arguments of the step the team is running (for runPhase).\n")
        .build());
    f.add(FieldSpec.builder(TypeName.INT, "splitE0", Modifier.PRIVATE).build());
    f.add(FieldSpec.builder(TypeName.INT, "splitM", Modifier.PRIVATE).build());
    for (ParameterSpec p : optimizer.fusedParameters()) {
      f.add(FieldSpec.builder(p.type(), splitField(p), Modifier.PRIVATE).build());
    }
    return f;
  }

  private static String splitField(ParameterSpec p) {
    return "split" + Character.toUpperCase(p.name().charAt(0)) + p.name().substring(1);
  }

  /** runPhase, updatePart, splitForward, splitsSteps and useStepTeam. */
  List<MethodSpec> splitMethods(OptimizerEmitter optimizer) {
    List<MethodSpec> methods = new ArrayList<>();
    methods.add(runPhase());
    methods.add(updatePart(optimizer));
    methods.add(splitForward());
    methods.add(MethodSpec.methodBuilder("splitsSteps")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(TypeName.BOOLEAN)
        .addStatement("return true")
        .build());
    methods.add(useStepTeam("Runs later mini-batch steps and predictions over {@code team}'s "
        + "threads (null: on the\ncalling thread alone), with the same results; the team stays "
        + "the caller's to close.\n"));
    return methods;
  }

  /** {@code useStepTeam(team)}: sets the class's {@code team} field, returns true. */
  static MethodSpec useStepTeam(String javadoc) {
    return MethodSpec.methodBuilder("useStepTeam")
        .addJavadoc(javadoc)
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(TypeName.BOOLEAN)
        .addParameter(ClassName.get(StepTeam.class), "team")
        .addStatement("this.team = team")
        .addStatement("return true")
        .build();
  }

  /** runPhase(phase, part, parts): part of one phase of a split step. */
  private MethodSpec runPhase() {
    Backend.SplitCalls calls = backend.splitCalls().orElseThrow();
    int n = ctx.network().layers().size();
    MethodSpec.Builder m = MethodSpec.methodBuilder("runPhase")
        .addJavadoc("Part {@code part} of {@code parts} of phase {@code phase} of a split step "
            + "(see trainBatch).\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "phase")
        .addParameters(VectorBatchKernels.SPLIT);
    m.addStatement("$T xs = splitXs", ctx.array());
    m.addStatement("int e0 = splitE0");
    m.addStatement("int m = splitM");
    if (defersGradient()) {
      m.beginControlFlow("if (phase == $L)", deferredPhase());
      m.addCode(calls.deferredGradient("part, parts"));
      m.addStatement("return");
      m.endControlFlow();
    }
    m.beginControlFlow("if (phase >= $L)", stepPhase(-1));
    m.addComment("The chunk that ends the step: the update of the layer above (whose weights");
    m.addComment("every part has read), then this layer's backward phase.");
    m.addStatement("int above = phase - $L", stepPhase(-1));
    m.beginControlFlow("if (above < $L)", n);
    m.addStatement("updatePart(above, part, parts)");
    m.endControlFlow();
    m.beginControlFlow("if (above == 0)");
    m.addStatement("return");
    m.endControlFlow();
    m.addStatement("phase = $L + above - 1", backwardPhase(0));
    m.endControlFlow();
    m.beginControlFlow("switch (phase)");
    for (int i = 0; i < n; i++) {
      m.addCode("case $L -> {\n$>$L$<}\n", transposePhase(i), calls.transpose(i, "part, parts"));
      m.addCode("case $L -> $L", forwardPhase(i), calls.forward(i, "part, parts"));
    }
    for (int i = 0; i < n; i++) {
      m.addCode("case $L -> {\n$>", backwardPhase(i));
      if (i > 0) {
        m.addCode(calls.backprop(i, "part, parts"));
      }
      m.addCode(calls.gradient(i, "part, parts"));
      m.addCode("$<}\n");
    }
    m.addStatement("default -> throw new $T($S + phase)", IllegalArgumentException.class,
        "no phase ");
    m.endControlFlow();
    return m.build();
  }

  /** updatePart(layer, part, parts): a slice of one layer's update. */
  private MethodSpec updatePart(OptimizerEmitter optimizer) {
    int n = ctx.network().layers().size();
    MethodSpec.Builder u = MethodSpec.methodBuilder("updatePart")
        .addJavadoc("Part {@code part} of {@code parts} of layer {@code layer}'s update in a split "
            + "step.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "layer")
        .addParameters(VectorBatchKernels.SPLIT);
    for (ParameterSpec p : optimizer.fusedParameters()) {
      u.addStatement("$T $N = $N", p.type(), p.name(), splitField(p));
    }
    u.beginControlFlow("switch (layer)");
    for (int i = 0; i < n; i++) {
      u.addCode("case $L -> {\n$>", i);
      u.addCode(optimizer.fusedUpdatePart(i));
      u.addCode("$<}\n");
    }
    u.addStatement("default -> throw new $T($S + layer)", IllegalArgumentException.class,
        "no layer ");
    u.endControlFlow();
    return u.build();
  }

  /** splitForward(xs, e0, m): a chunk's forward phases over the team. */
  private MethodSpec splitForward() {
    int n = ctx.network().layers().size();
    MethodSpec.Builder f = MethodSpec.methodBuilder("splitForward")
        .addJavadoc("The forward pass of examples e0 .. e0 + m - 1 of {@code xs} over the team: "
            + "each layer's\ninputs transposed, then its rows, in phases.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameters(chunkParameters())
        .addStatement("splitXs = xs")
        .addStatement("splitE0 = e0")
        .addStatement("splitM = m");
    for (int i = 0; i < n; i++) {
      f.addStatement("team.run(phases, $L)", transposePhase(i));
      f.addStatement("team.run(phases, $L)", forwardPhase(i));
    }
    return f.build();
  }

  /**
   * The phase of a deferring step's last chunk, after every layer's backward phase, in which the
   * first layer's ∂W is summed over the whole batch (by blocks of columns).
   */
  private int deferredPhase() {
    return stepPhase(ctx.network().layers().size());
  }

  private int transposePhase(int layer) {
    return 2 * layer;
  }

  private int forwardPhase(int layer) {
    return 2 * layer + 1;
  }

  private int backwardPhase(int layer) {
    return 2 * ctx.network().layers().size() + layer;
  }

  /**
   * The phase of the step's last chunk for layer {@code layer} (-1 to n - 1): the update of
   * layer + 1 (if any), then layer's backward phase (if any).
   */
  private int stepPhase(int layer) {
    return 3 * ctx.network().layers().size() + layer + 1;
  }

  /**
   * The split form of {@link #chunks} for a training step (the caller has checked that {@code
   * team} is set): the step's arguments into the split fields, then per chunk the forward
   * phases, {@code body} per example on the calling thread, and the backward phases, ending
   * in the update in the last chunk.
   */
  void splitChunks(MethodSpec.Builder m, CodeBlock body, OptimizerEmitter optimizer) {
    int n = ctx.network().layers().size();
    for (ParameterSpec p : optimizer.fusedParameters()) {
      m.addStatement("$N = $L", splitField(p), p.name().equals("scale")
          ? ctx.precision().cast("scale") : p.name());
    }
    boolean flags = backend.batchKernels().keepsChunkFlags();
    if (flags) {
      m.addStatement("packsGradientInputs = true");
    }
    if (defersGradient()) {
      m.addStatement("gradientDeferred = $L", deferredBatch());
    }
    m.beginControlFlow("for (int e0 = 0; e0 < n; e0 += CHUNK)");
    m.addStatement("int m = Math.min(CHUNK, n - e0)");
    m.addStatement("splitForward(xs, e0, m)");
    m.beginControlFlow("for (int s = 0; s < m; s++)");
    m.addStatement("int e = e0 + s");
    m.addStatement("outputRow(s)");
    m.addCode(body);
    m.endControlFlow();
    if (flags) {
      // The caller zeroed the gradient: the first chunk's sums are the gradient so far (the
      // team's threads read the fields after the run starts).
      m.addStatement("gradientFresh = e0 == 0");
    }
    m.beginControlFlow("if (e0 + m < n)");
    for (int i = n - 1; i >= 0; i--) {
      m.addStatement("team.run(phases, $L)", backwardPhase(i));
    }
    m.nextControlFlow("else");
    for (int i = n - 1; i >= 0; i--) {
      m.addStatement("team.run(phases, $L)", stepPhase(i));
    }
    if (defersGradient()) {
      m.beginControlFlow("if (gradientDeferred)");
      m.addStatement("team.run(phases, $L)", deferredPhase());
      m.endControlFlow();
    }
    m.addStatement("team.run(phases, $L)", stepPhase(-1));
    m.endControlFlow();
    if (flags) {
      m.addStatement("gradientFresh = false");
    }
    m.endControlFlow();
    if (flags) {
      m.addStatement("packsGradientInputs = false");
    }
    if (defersGradient()) {
      m.addStatement("gradientDeferred = false");
    }
    // The caller's array is not kept past the step.
    m.addStatement("splitXs = null");
  }

  /** storeDelta(s): the output delta of example s into the chunk's delta buffer. */
  private MethodSpec storeDelta() {
    Layer out = ctx.network().outputLayer();
    String from = ctx.outputNames().delta();
    String to = ctx.names().batch(out.index()).delta();
    MethodSpec.Builder m = MethodSpec.methodBuilder("storeDelta")
        .addJavadoc("Stores the current example's output delta as example s of the chunk.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "s");
    backend.storeDelta(m, out, from, to);
    return m.build();
  }

  /**
   * The loop over chunks: {@code body} runs once per example {@code e = e0 + s} of the chunk after
   * its forward pass (over the team, if the class splits and one is set) and output row; {@code
   * after} once per chunk: the chunk's backward pass, if not empty (the forward passes then copy
   * what the gradient methods read: {@code packsGradientInputs}).
   */
  void chunks(MethodSpec.Builder m, CodeBlock body, CodeBlock after) {
    chunks(m, body, after, splits());
  }

  /**
   * As {@link #chunks(MethodSpec.Builder, CodeBlock, CodeBlock)}; with {@code overTeam}, the
   * forward passes run over the team where one is set ({@code splitForward}).
   */
  void chunks(MethodSpec.Builder m, CodeBlock body, CodeBlock after, boolean overTeam) {
    chunks(m, body, after, overTeam, false);
  }

  /**
   * As {@link #chunks(MethodSpec.Builder, CodeBlock, CodeBlock, boolean)}; with {@code
   * deferGradient} (a {@code trainBatch}: {@code after} ends in {@code batchBackwardStep}), a
   * batch of more than one chunk, up to {@link BatchKernels#deferredExamples} examples, defers
   * the first layer's ∂W to its last chunk ({@code gradientDeferred}).
   */
  void chunks(MethodSpec.Builder m, CodeBlock body, CodeBlock after, boolean overTeam,
      boolean deferGradient) {
    boolean packs = !after.isEmpty() && backend.batchKernels().keepsChunkFlags();
    if (packs) {
      m.addStatement("packsGradientInputs = true");
      // Not left over from a step that threw mid-chunk: only trainBatch's first chunk (its
      // after block sets it) starts from a gradient it zeroed itself.
      m.addStatement("gradientFresh = false");
    }
    boolean defers = deferGradient && defersGradient();
    if (packs && defersGradient()) {
      if (defers) {
        m.addStatement("gradientDeferred = $L", deferredBatch());
      } else {
        m.addStatement("gradientDeferred = false");
      }
    }
    m.beginControlFlow("for (int e0 = 0; e0 < n; e0 += CHUNK)");
    m.addStatement("int m = Math.min(CHUNK, n - e0)");
    if (overTeam) {
      // With a team, the forward pass is split as a step's is (the same bits): the test pass
      // of `netc train` ran on one core while the other idled.
      m.beginControlFlow("if (team != null)");
      m.addStatement("splitForward(xs, e0, m)");
      m.nextControlFlow("else");
      m.addStatement("batchForward(xs, e0, m)");
      m.endControlFlow();
    } else {
      m.addStatement("batchForward(xs, e0, m)");
    }
    m.beginControlFlow("for (int s = 0; s < m; s++)");
    m.addStatement("int e = e0 + s");
    m.addStatement("outputRow(s)");
    m.addCode(body);
    m.endControlFlow();
    m.addCode(after);
    m.endControlFlow();
    if (packs) {
      m.addStatement("packsGradientInputs = false");
    }
    if (defers) {
      m.addStatement("gradientDeferred = false");
    }
    if (overTeam) {
      m.addComment("The caller's array is not kept past the call.");
      m.addStatement("splitXs = null");
    }
  }
}
