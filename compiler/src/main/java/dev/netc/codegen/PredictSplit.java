package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.runtime.StepTeam;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * {@code predict} of one example over the class's {@link StepTeam}, where one is set ({@code
 * useStepTeam}): each large dense layer's rows are shared out among the team's threads, each
 * thread computing its rows' z by the same operations as the whole pass (so the same bits), and
 * the team meets once per such layer. σ follows as in the whole pass: row by row in the parts, or
 * by the backend's range kernel (relu, tanh) over the layer on the calling thread after the
 * meeting, since such a kernel may use the class's scratch (tanh's does).
 *
 * <p>Why: one example's forward pass reads every weight once and does two flops with it, so it
 * runs at the speed the weights stream from cache. The Fashion MLP's first layer (784 × 256,
 * 800 KB) comes from one core's L2 at about 130 GB/s on the Intel Xeon host, 6.2 of predict's
 * 7.8 µs; split in two, each core keeps its half in its own L2 and streams only that
 * (docs/performance.md). A layer of fewer than {@link #MIN_BYTES} of weights stays whole on the
 * calling thread: a meeting of the team costs about as much as splitting it would save.
 *
 * <p>Over a layer's copy by columns ({@link ColumnPredict}) the parts split its two blocks of
 * inputs instead, where it has two (512 KB of weights and more), and the calling thread adds the
 * blocks' sums; a smaller layer by columns runs on the calling thread alone.
 *
 * <p>A CNN's class (no mini-batch path: it trains example by example) has a team of its own for
 * predict, where a layer splits: each convolution of {@link #MIN_CONV_MULTIPLY_ADDS} or more
 * whose kernels part ({@link LayerEmitter#predictParts}: the vector backend's in-place predict
 * with relu or identity, enough output channels for two parts of whole register tiles) splits
 * by output channels. Its parts also run the max pool after it and make the next split
 * convolution's bordered input, each from its own channels (a stage: one meeting), so that
 * each core reads what it wrote. The Fashion CNN (Small CNN) on the Zen 4 host: 26–27k images/s
 * on one thread, 30–31k split by convolution alone, 38–42k by stages (docs/performance.md).
 *
 * <p>A class whose steps split ({@link BatchEmitter#splits}) or a CNN's has a team, and only a
 * looped dense layer with an elementwise σ or such a convolution splits. A dense layer's parts
 * run a method of their own ({@link DenseKernels#forwardRowRange}) where one thread runs the
 * layer's forward method: each row's sum is the same code in both (its vector accumulators,
 * their in-order lane reduction on JDK 17's C2, the scalar tail, then the bias), as with {@link
 * AlignedWeights}' methods.
 */
final class PredictSplit {
  /**
   * Weights (bytes) from which a dense layer's rows split over the team in predict: the Fashion
   * MLP's 128 KB second layer, split as well as its first, made predict 6 % faster (smaller
   * layers were not measured). A layer over its copy by columns splits from {@link
   * ColumnPredict#SPLIT_MIN_BYTES} instead.
   */
  static final long MIN_BYTES = 64 * 1024;
  /**
   * Multiply-adds of one example from which a convolution's predict pass splits over the team
   * by output channels ({@link LayerEmitter#predictParts}).
   */
  static final long MIN_CONV_MULTIPLY_ADDS = 100_000;
  private static final String PHASES = "predictPhases";
  private static final String PART = "predictPart";
  private static final String XS = "predictXs";
  private static final String X_OFF = "predictXOff";

  private final EmitContext ctx;
  private final Backend backend;
  private final DenseKernels kernels;
  private final ColumnPredict columns;
  /** Per split layer index, its forward method by rows ({@link DenseKernels#forwardRowRange}). */
  private final Map<Integer, String> layers = new LinkedHashMap<>();
  /** Per split convolution's index, its pass in parts ({@link LayerEmitter#predictParts}). */
  private final Map<Integer, LayerEmitter.PredictParts> convolutions = new LinkedHashMap<>();
  /** Per split convolution's index, the max pool after it that its parts run, if any. */
  private final Map<Integer, LayerEmitter.PredictParts> stagePools = new LinkedHashMap<>();
  /**
   * Per split convolution's index, the split convolution after it (past its pool, if any) whose
   * prologue its parts make, each from its own channels.
   */
  private final Map<Integer, Integer> stageBorders = new LinkedHashMap<>();
  /**
   * True if the team is this class's own, for predict alone ({@code useStepTeam} here): a class
   * that trains example by example (a CNN's) and has no split steps.
   */
  private final boolean ownTeam;

  /**
   * {@code splits}: whether the class has a team for its steps ({@link BatchEmitter#splits});
   * a trainable class of a backend whose kernels take parts that has no mini-batch path
   * ({@code perExample}) gets one for predict alone where some layer splits.
   */
  PredictSplit(EmitContext ctx, Backend backend, List<LayerEmitter> emitters, boolean splits,
      boolean perExample) {
    this.ctx = ctx;
    this.backend = backend;
    this.kernels = new DenseKernels(ctx, backend);
    this.columns = new ColumnPredict(ctx, backend);
    boolean teamed = splits
        || perExample && ctx.trainable() && backend.splitCalls().isPresent()
        && ctx.network().layers().size() <= BatchEmitter.MAX_SPLIT_LAYERS;
    if (!teamed) {
      this.ownTeam = false;
      return;
    }
    for (Layer l : ctx.network().layers()) {
      if (l instanceof Conv2d conv
          && (long) conv.outSize() * conv.kernelSize() >= MIN_CONV_MULTIPLY_ADDS) {
        emitters.get(l.index()).predictParts().ifPresent(p -> convolutions.put(l.index(), p));
      }
    }
    // A stage: a split convolution's parts also run the max pool after it and make the next
    // split convolution's bordered input, each over its own channels (a channel's pool and
    // border read that channel alone), so that what a core wrote, it reads: run on the calling
    // thread between the meetings, the pool read half of the convolution's output from the other
    // core's cache, and the other core then half of the next convolution's input from this one.
    List<Layer> all = ctx.network().layers();
    for (int i : convolutions.keySet()) {
      int next = i + 1;
      if (next < all.size() && all.get(next) instanceof MaxPool2d) {
        emitters.get(next).predictParts().ifPresent(p -> stagePools.put(i, p));
        next++;
      }
      if (convolutions.containsKey(next)) {
        stageBorders.put(i, next);
      }
    }
    for (Layer l : ctx.network().layers()) {
      if (l instanceof Dense && l.activation().isElementwise()
          && ctx.policy().kernel(l) != CodegenPolicy.Kernel.UNROLLED
          && (long) l.weightCount() * ctx.scalarBytes() >= MIN_BYTES
          // At least two parts' rows (VectorBatchKernels.ROW_PART_ALIGN each).
          && l.outSize() >= 2 * VectorBatchKernels.ROW_PART_ALIGN) {
        layers.put(l.index(),
            ctx.names().helper(ctx.names().layer(l.index()).forward() + "Rows"));
      }
    }
    this.ownTeam = !splits && any();
  }

  /** True if some layer of predict splits over the team. */
  boolean any() {
    return !layers.isEmpty() || !convolutions.isEmpty();
  }

  /**
   * True if the first layer splits: predict's driver then copies its example into {@code input}
   * only where it runs that layer on the calling thread ({@link #call}).
   */
  boolean splitsFirst() {
    return layers.containsKey(0);
  }

  /**
   * The statement of predict's driver ({@code xs, xOff}: its example) that runs layer {@code
   * index}'s forward pass, {@code whole} on the calling thread (over the layer's aligned copy if
   * {@code overCopy}): over the team where one is set and the layer splits. The first layer's
   * parts read the example from the caller's array: copied into {@code input} first, it cost
   * the split layer 0.8 of its 4.7 µs on the Intel Xeon host (the copy, and the other core
   * reading lines this one had just written).
   */
  CodeBlock call(int index, boolean overCopy, String whole) {
    LayerEmitter.PredictParts conv = convolutions.get(index);
    if (conv != null) {
      CodeBlock.Builder c = CodeBlock.builder().beginControlFlow("if (team != null)");
      if (!stageBorders.containsValue(index)) {
        c.addStatement("$N(0, $L)", conv.prologue(),
            ((Conv2d) ctx.network().layers().get(index)).inputShape().channels());
      }
      return c.addStatement("team.run($N, $L)", PHASES, phase(index, false))
          .nextControlFlow("else")
          .addStatement("$N()", whole)
          .endControlFlow()
          .build();
    }
    if (index > 0 && stagePools.containsKey(index - 1)) {
      // The parts of the convolution before ran it.
      return CodeBlock.builder()
          .beginControlFlow("if (team == null)")
          .addStatement("$N()", whole)
          .endControlFlow()
          .build();
    }
    if (!layers.containsKey(index)) {
      return CodeBlock.of("$N();\n", whole);
    }
    boolean byColumns = overCopy && ctx.aligned().columns(index);
    if (byColumns && !columns.splits(index)) {
      // By columns on this thread alone; the driver left the example where it is (splitsFirst).
      CodeBlock.Builder c = CodeBlock.builder();
      if (index == 0) {
        c.addStatement("$T.arraycopy(xs, xOff, input, 0, INPUT_SIZE)", System.class);
      }
      return c.addStatement("$N()", whole).build();
    }
    Layer layer = ctx.network().layers().get(index);
    CodeBlock.Builder c = CodeBlock.builder().beginControlFlow("if (team != null)");
    if (byColumns) {
      c.add(columns.growForTeam());
    }
    if (index == 0) {
      c.addStatement("$N = xs", XS)
          .addStatement("$N = xOff", X_OFF)
          .beginControlFlow("try")
          .addStatement("team.run($N, $L)", PHASES, phase(index, overCopy))
          .nextControlFlow("finally")
          .add("// The caller's array is not kept past the call.\n")
          .addStatement("$N = null", XS)
          .endControlFlow();
    } else {
      c.addStatement("team.run($N, $L)", PHASES, phase(index, overCopy));
    }
    if (byColumns) {
      c.add(columns.sum(index));
    }
    // σ's range kernel, where the whole pass has one, on this thread (Backend.forwardRowRange).
    Names.LayerNames n = ctx.names().layer(index);
    backend.activateRange(layer.activation(), n.z(), "0", n.act(), "0",
        String.valueOf(layer.outSize()), layer.outSize()).ifPresent(c::add);
    c.nextControlFlow("else");
    if (index == 0) {
      c.addStatement("$T.arraycopy(xs, xOff, input, 0, INPUT_SIZE)", System.class);
    }
    return c.addStatement("$N()", whole)
        .endControlFlow()
        .build();
  }

  /** Phase of layer {@code index}'s parts, over its aligned copy or not. */
  private static int phase(int index, boolean aligned) {
    return 2 * index + (aligned ? 1 : 0);
  }

  /**
   * The team's phases of predict, if any layer splits, and where the first layer's parts find
   * the example.
   */
  List<FieldSpec> fields() {
    if (!any()) {
      return List.of();
    }
    List<FieldSpec> f = new ArrayList<>();
    if (ownTeam) {
      f.add(FieldSpec.builder(ClassName.get(StepTeam.class), "team", Modifier.PRIVATE)
          .addJavadoc("The threads that share this network's predictions (useStepTeam), or "
              + "null.\n")
          .build());
    }
    f.add(FieldSpec.builder(ClassName.get(StepTeam.class).nestedClass("Phases"), PHASES,
            Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("predict's large layers over the team: each part its rows (or, over a copy"
            + " by columns, its block\nof inputs).\n")
        .initializer("(phase, part, parts) -> $N(phase, part, parts)", PART)
        .build());
    if (layers.containsKey(0)) {
      f.add(FieldSpec.builder(ctx.array(), XS, Modifier.PRIVATE)
          .addJavadoc("The example predict's first layer reads, at {@link #$N}, while the team "
              + "runs it.\n", X_OFF)
          .build());
      f.add(FieldSpec.builder(TypeName.INT, X_OFF, Modifier.PRIVATE).build());
    }
    return f;
  }

  /** predictPart and each split layer's forward methods by rows. */
  List<MethodSpec> methods() {
    if (!any()) {
      return List.of();
    }
    List<MethodSpec> m = new ArrayList<>();
    MethodSpec.Builder part = MethodSpec.methodBuilder(PART)
        .addJavadoc("Part {@code part} of {@code parts} of a phase of predict over the team: "
            + "rows of one layer\n(phase 2 × index), or over its aligned copy (+ 1: rows, or by "
            + "columns a block of inputs).\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "phase")
        .addParameter(TypeName.INT, "part")
        .addParameter(TypeName.INT, "parts")
        .beginControlFlow("switch (phase)");
    for (Map.Entry<Integer, LayerEmitter.PredictParts> e : convolutions.entrySet()) {
      int index = e.getKey();
      LayerEmitter.PredictParts p = e.getValue();
      String partStart = VectorBatchKernels.partStart(ctx);
      part.addCode("case $L: {\n$>", phase(index, false))
          .addStatement("int chFirst = $N($L, $L, part, parts)", partStart, p.count(), p.align())
          .addStatement("int chEnd = $N($L, $L, part + 1, parts)", partStart, p.count(),
              p.align())
          .addStatement("$N(chFirst, chEnd)", p.channels());
      LayerEmitter.PredictParts pool = stagePools.get(index);
      if (pool != null) {
        part.addStatement("$N(chFirst, chEnd)", pool.channels());
        m.add(pool.channels());
      }
      Integer bordered = stageBorders.get(index);
      if (bordered != null) {
        part.addStatement("$N(chFirst, chEnd)", convolutions.get(bordered).prologue());
      }
      part.addStatement("break").addCode("$<}\n");
      m.add(p.prologue());
      m.add(p.channels());
    }
    for (Map.Entry<Integer, String> e : layers.entrySet()) {
      int index = e.getKey();
      int out = ctx.network().layers().get(index).outSize();
      CodeBlock x = index == 0 ? CodeBlock.of("$N, $N", XS, X_OFF)
          : CodeBlock.of("$N, 0", ctx.inputOf(index));
      part.addCode("case $L:\n$>", phase(index, false))
          .addStatement(rows(e.getValue(), CodeBlock.of("$N, 0",
              ctx.names().layer(index).weight()), x, out))
          .addStatement("break")
          .addCode("$<");
      if (columns.splits(index)) {
        CodeBlock xOff = index == 0 ? CodeBlock.of("$N", X_OFF) : CodeBlock.of("0");
        CodeBlock xArray = index == 0 ? CodeBlock.of("$N", XS)
            : CodeBlock.of("$N", ctx.inputOf(index));
        part.addCode("case $L: {\n$>", phase(index, true))
            .addCode(columns.part(index, xArray, xOff))
            .addStatement("break")
            .addCode("$<}\n");
      } else if (ctx.aligned().covers(index) && !ctx.aligned().columns(index)) {
        part.addCode("case $L:\n$>", phase(index, true))
            .addStatement(rows(e.getValue(), CodeBlock.of("$N, $N", ctx.aligned().copy(index),
                ctx.aligned().start(index)), x, out))
            .addStatement("break")
            .addCode("$<");
      }
      m.add(kernels.forwardRowRange(index, e.getValue()));
    }
    part.addCode("default:\n$>")
        .addStatement("throw new $T($S + phase)", IllegalStateException.class, "no phase ")
        .addCode("$<")
        .endControlFlow();
    m.add(0, part.build());
    if (ownTeam) {
      m.add(BatchEmitter.useStepTeam("Runs later predictions' large layers over {@code team}'s"
          + " threads (null: on the calling\nthread alone), with the same results; training "
          + "stays on the calling thread. The team stays\nthe caller's to close.\n"));
    }
    return m;
  }

  /**
   * The call of {@code method} with weights {@code w} and input {@code x} (each an array and an
   * offset) over this part's rows of {@code out}.
   */
  private CodeBlock rows(String method, CodeBlock w, CodeBlock x, int out) {
    return CodeBlock.of("$N($L, $L, $L)", method, w, x, VectorBatchKernels.partRows(ctx, out));
  }
}
