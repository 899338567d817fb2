package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.Alignment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * Copies of the large dense weights, each starting on a 64-byte line, for predict and for the
 * long batches of a class that trains example by example.
 *
 * <p>Java aligns arrays to 8 bytes, so a weight array's rows begin anywhere in a cache line, and
 * then every vector load of a one-example forward pass straddles two lines: on the Intel Xeon
 * host the 784 × 256 layer ran in 10.2 µs from a misaligned start and in 5.9 µs from an aligned
 * one (docs/performance.md). Where the copy is current, {@code predict} runs the same kernels over
 * it from an aligned start ({@code dev.netc.runtime.Alignment}): the same terms in the same order,
 * so the same bits. Every public method that writes weights marks the copies stale
 * ({@link #weightsWritten}); {@code predict} refreshes them only after {@link
 * #PREDICTS_BEFORE_COPY} calls in a row with unchanged weights (the copy costs about as much as that many aligned
 * predicts save), so a loop that alternates training and predict never pays for them. A copy the
 * garbage collector moved is shifted back onto a line where it lies. Where {@code Alignment}
 * knows no addresses (JDK 24 and later without {@code jdk.internal.misc} exported, see there)
 * there are no copies at all.
 *
 * <p>A class that trains example by example (a CNN's: no mini-batch path) also runs each
 * covered layer's forward and back-propagation over the copies, refreshed at the start of every
 * batch of at least {@link #MIN_TRAINING_EXAMPLES} examples ({@link #trainingMethodSpec}): there
 * each example reads the weights twice, and on the Small CNN of {@code examples/fashion-cnn.net}
 * (1568 → 128, 800 KB) an aligned start saved about 5 µs an example (forward 8.4 → 5.3 µs,
 * back-propagation 5.3 → 3.2) where the copy costs about 60 µs a batch. The copy holds the
 * weights the batch's gradient is taken at (they change only in the step after it), so the sums
 * are again the same bits.
 *
 * <p>Where {@link ColumnPredict} runs a layer's predict by columns, its copy is the weights
 * transposed ([in][out] per tile of outputs, runs a whole number of lines long) instead,
 * refreshed after {@link #PREDICTS_BEFORE_COLUMNS} predicts: the sums' order then differs from
 * the rows' (see there). Not in a class that trains example by example, which trains over the
 * copies by rows.
 *
 * <p>Vector backend only: its kernels load whole lines' worth of lanes. A layer qualifies with
 * at least {@link #MIN_BYTES} of weights and rows a whole number of lines long (else only every
 * few rows would start aligned). The threshold, measured with a stand-alone 4-row kernel on the
 * Intel Xeon host (48 KB L1): misaligned weights cost 2-3 % at 16 and 32 KB (in L1), 28 % at
 * 64 KB, 42-43 % at 128 and 256 KB, 65 % at 784 KB.
 */
final class AlignedWeights {
  /** Weights (bytes) from which a dense layer's predict runs over an aligned copy. */
  static final long MIN_BYTES = 64 * 1024;
  /** Predicts in a row with unchanged weights before the copies are refreshed. */
  static final int PREDICTS_BEFORE_COPY = 8;
  /**
   * As {@link #PREDICTS_BEFORE_COPY} for a class with a copy by columns ({@link ColumnPredict}):
   * transposing the Fashion MLP's 784 × 256 weights takes about 90 µs on the Intel Xeon host,
   * what some 30 predicts of a Fashion image save over the columns.
   */
  static final int PREDICTS_BEFORE_COLUMNS = 32;
  /**
   * The fewest examples of a batch that a per-example class trains over the copies: the copy of
   * the Small CNN's 800 KB costs about as much as 14 examples save (see the class comment).
   */
  static final int MIN_TRAINING_EXAMPLES = 16;

  private static final ClassName ALIGNMENT = ClassName.get("dev.netc.runtime", "Alignment");

  private final Network network;
  private final boolean floats;
  /**
   * One qualifying layer's names.
   *
   * @param copy the field of the aligned copy
   * @param start the field holding where the copy's rows start
   * @param weights the field of the layer's weights
   * @param forward the forward method over the copy
   * @param backprop the back-propagation over the copy (per-example training, not the first
   *     layer), or null
   * @param blockSums the field of the sums of a layer by columns over its two blocks of inputs,
   *     or null
   * @param sums the method of a layer by columns ({@link ColumnPredict}) that sums listed
   *     inputs, or null for a copy by rows
   * @param addBlocks the method that adds a layer's two blocks' sums, or null
   */
  private record Copy(String copy, String start, String weights, String forward,
      String backprop, String blockSums, String sums, String addBlocks) {
    /** True if the copy holds the weights by columns, false if by rows. */
    boolean columns() {
      return sums != null;
    }
  }

  /** Per qualifying layer index, its names. */
  private final Map<Integer, Copy> copies = new LinkedHashMap<>();
  private final String current;
  private final String predicts;
  private final String probe;
  private final String ready;
  private final String forward;
  /** Training's refresh method, null unless the class trains example by example over copies. */
  private final String training;
  private final String trainForward;
  private final String trainBackward;

  AlignedWeights(Network network, CodegenPolicy policy, Names names) {
    this.network = network;
    this.floats = network.precision() == Precision.FLOAT;
    int bytes = floats ? Float.BYTES : Double.BYTES;
    boolean perExample = network.loss().isPresent() && !policy.batched(network);
    if (policy.backend() == CodegenPolicy.Backend.VECTOR) {
      int line = Alignment.LINE / bytes;
      for (Layer l : network.layers()) {
        if (!(l instanceof Dense) || (long) l.weightCount() * bytes < MIN_BYTES
            || policy.kernel(l) == CodegenPolicy.Kernel.UNROLLED) {
          continue;
        }
        // Columns: predict alone reads the copy (a per-example class trains over it by rows).
        boolean columns = !perExample && l.activation().isElementwise()
            && l.outSize() % line == 0;
        boolean twoBlocks = columns && ColumnPredict.twoBlocks(l, bytes);
        if (columns || l.inSize() % line == 0) {
          Names.LayerNames n = names.layer(l.index());
          String w = n.weight();
          copies.put(l.index(), new Copy(names.helper(w + (columns ? "Columns" : "Aligned")),
              names.helper(w + (columns ? "ColumnsStart" : "AlignedStart")), w,
              names.helper(n.forward() + (columns ? "Columns" : "Aligned")),
              perExample && l.index() > 0 ? names.helper(n.backprop() + "Aligned") : null,
              twoBlocks ? names.helper(n.z() + "Blocks") : null,
              columns ? names.helper(n.forward() + "ColumnSums") : null,
              twoBlocks ? names.helper(n.forward() + "AddBlocks") : null));
        }
      }
    }
    boolean any = !copies.isEmpty();
    this.current = any ? names.helper("alignedCurrent") : null;
    this.predicts = any ? names.helper("predictsSinceWrite") : null;
    this.probe = any ? names.helper("alignmentProbe") : null;
    this.ready = any ? names.helper("alignedWeightsReady") : null;
    this.forward = any ? names.helper("predictAlignedForward") : null;
    boolean trains = any && perExample;
    this.training = trains ? names.helper("alignedWeightsForTraining") : null;
    this.trainForward = trains ? names.helper("alignedForward") : null;
    this.trainBackward = trains ? names.helper("alignedBackward") : null;
  }

  /** True if some layer's predict runs over an aligned copy. */
  boolean any() {
    return !copies.isEmpty();
  }

  /** True if layer {@code index}'s predict runs over an aligned copy. */
  boolean covers(int index) {
    return copies.containsKey(index);
  }

  /**
   * True if layer {@code index}'s copy holds its weights by columns ({@link ColumnPredict}), false
   * if by rows like the weights themselves.
   */
  boolean columns(int index) {
    Copy c = copies.get(index);
    return c != null && c.columns();
  }

  /**
   * The field of layer {@code index}'s two blocks' sums ({@link ColumnPredict#twoBlocks}), or
   * null.
   */
  String blockSums(int index) {
    Copy c = copies.get(index);
    return c == null ? null : c.blockSums();
  }

  /** The name of layer {@code index}'s sums over listed inputs ({@link ColumnPredict}). */
  String columnSums(int index) {
    return copies.get(index).sums();
  }

  /** The name of the method that adds layer {@code index}'s two blocks' sums, or null. */
  String addBlocks(int index) {
    return copies.get(index).addBlocks();
  }

  /** True if some layer's copy holds its weights by columns. */
  boolean anyColumns() {
    return copies.values().stream().anyMatch(Copy::columns);
  }

  /**
   * Predicts in a row with unchanged weights before the copies are refreshed: a copy by columns
   * is a transposition, which costs more ({@link #PREDICTS_BEFORE_COLUMNS}).
   */
  int predictsBeforeCopy() {
    return anyColumns() ? PREDICTS_BEFORE_COLUMNS : PREDICTS_BEFORE_COPY;
  }

  /** The field of layer {@code index}'s copy. */
  String copy(int index) {
    return copies.get(index).copy();
  }

  /** The field holding where layer {@code index}'s rows start in its copy. */
  String start(int index) {
    return copies.get(index).start();
  }

  /** The name of layer {@code index}'s forward method over its copy. */
  String forwardMethod(int index) {
    return copies.get(index).forward();
  }

  /** The name of predict's forward driver over the copies. */
  String forwardDriver() {
    return forward;
  }

  /** True if the class trains example by example over the copies too (see the class comment). */
  boolean trains() {
    return training != null;
  }

  /**
   * The name of layer {@code index}'s back-propagation over its copy, or null where it has none
   * (no copy, the first layer, or a class that does not train example by example).
   */
  String backpropMethod(int index) {
    Copy c = copies.get(index);
    return c == null ? null : c.backprop();
  }

  /** The name of the method that refreshes the copies for a batch and says whether it did. */
  String trainingMethod() {
    return training;
  }

  /** The name of training's forward driver over the copies (per-example classes). */
  String trainForwardDriver() {
    return trainForward;
  }

  /** The name of training's backward driver over the copies (per-example classes). */
  String trainBackwardDriver() {
    return trainBackward;
  }

  /** The name of the method that says whether the copies are current (refreshing them). */
  String readyMethod() {
    return ready;
  }

  /** Statements for the start of each public method that writes weights; none without copies. */
  CodeBlock weightsWritten() {
    if (!any()) {
      return CodeBlock.of("");
    }
    return CodeBlock.builder()
        .addStatement("$N = false", current)
        .addStatement("$N = 0", predicts)
        .build();
  }

  List<FieldSpec> fields() {
    if (!any()) {
      return List.of();
    }
    TypeName array = floats ? TypeName.get(float[].class) : TypeName.get(double[].class);
    List<FieldSpec> f = new java.util.ArrayList<>();
    for (Map.Entry<Integer, Copy> e : copies.entrySet()) {
      Layer l = network.layers().get(e.getKey());
      Copy c = e.getValue();
      f.add(FieldSpec.builder(array, c.copy(), Modifier.PRIVATE)
          .addJavadoc("$L.weight$L on a 64-byte line, from {@link #$N} on (allocated on first "
              + "use).\n",
              Javadoc.escape(l.name()), c.columns() ? " by columns ([in][out])" : "", c.start())
          .build());
      f.add(FieldSpec.builder(TypeName.INT, c.start(), Modifier.PRIVATE).build());
      if (c.blockSums() != null) {
        f.add(FieldSpec.builder(array, c.blockSums(), Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("$L's sums over its two blocks of inputs, for predict by columns.\n",
                Javadoc.escape(l.name()))
            .initializer("new $T[$L]", floats ? TypeName.FLOAT : TypeName.DOUBLE,
                2 * l.outSize())
            .build());
      }
    }
    f.add(FieldSpec.builder(TypeName.BOOLEAN, current, Modifier.PRIVATE)
        .addJavadoc("True while the aligned copies hold the current weights.\n").build());
    f.add(FieldSpec.builder(TypeName.INT, predicts, Modifier.PRIVATE)
        .addJavadoc("Predicts since weights were last written.\n").build());
    f.add(FieldSpec.builder(Object[].class, probe, Modifier.PRIVATE, Modifier.FINAL)
        .initializer("new Object[1]").build());
    return f;
  }

  /**
   * {@code alignedWeightsReady()}: true if predict may run over the copies, which it refreshes
   * after {@link #predictsBeforeCopy} predicts without a write, and re-aligns where a collection
   * moved them.
   */
  MethodSpec readyMethodSpec(Helpers helpers) {
    String startOf = floats ? "floatStart" : "doubleStart";
    // Per layer, split into helpers in a deep network (each block is some 50 bytes of bytecode).
    List<CodeBlock> realign = new java.util.ArrayList<>();
    for (Map.Entry<Integer, Copy> e : copies.entrySet()) {
      Layer l = network.layers().get(e.getKey());
      String w = e.getValue().copy();
      String s = e.getValue().start();
      CodeBlock.Builder m = CodeBlock.builder();
      m.addStatement("int $NNow = $T.$L($N, $N)", s, ALIGNMENT, startOf, w, probe);
      m.beginControlFlow("if ($NNow != $N)", s, s);
      m.addStatement("$T.arraycopy($N, $N, $N, $NNow, $L)", System.class, w, s, w, s,
          l.weightCount());
      m.addStatement("$N = $NNow", s, s);
      m.endControlFlow();
      realign.add(m.build());
    }
    CodeBlock.Builder c = CodeBlock.builder();
    c.beginControlFlow("if (!$T.available())", ALIGNMENT);
    c.add("// No addresses here (e.g. JDK 24 and later without --add-exports=java.base/"
        + "jdk.internal.misc=ALL-UNNAMED):\n// no copies, the plain kernels.\n");
    c.addStatement("return false");
    c.endControlFlow();
    c.beginControlFlow("if (!$N)", current);
    c.beginControlFlow("if (++$N < $L)", predicts, predictsBeforeCopy());
    c.addStatement("return false");
    c.endControlFlow();
    c.add(helpers.perLayer(ready + "Refresh", refreshBlocks()));
    c.addStatement("$N = true", current);
    c.addStatement("return true");
    c.endControlFlow();
    c.add("// A collection may have moved a copy: its rows back on a line (the same values).\n");
    c.add(helpers.perLayer(ready + "Realign", realign));
    c.addStatement("return true");
    return MethodSpec.methodBuilder(ready)
        .addJavadoc("True if predict may run over the aligned copies of the weights: they hold "
            + "the current\nweights (copied after $L predicts in a row without a write) and start"
            + " on a 64-byte line.\n", predictsBeforeCopy())
        .addModifiers(Modifier.PRIVATE)
        .returns(TypeName.BOOLEAN)
        .addCode(c.build())
        .build();
  }

  /** Per layer: allocates its copy if need be, finds its line start and copies the weights. */
  private List<CodeBlock> refreshBlocks() {
    String startOf = floats ? "floatStart" : "doubleStart";
    int pad = Alignment.LINE / (floats ? Float.BYTES : Double.BYTES);
    List<CodeBlock> refresh = new java.util.ArrayList<>();
    for (Map.Entry<Integer, Copy> e : copies.entrySet()) {
      Layer l = network.layers().get(e.getKey());
      String w = e.getValue().copy();
      String s = e.getValue().start();
      CodeBlock.Builder r = CodeBlock.builder();
      r.beginControlFlow("if ($N == null)", w);
      r.addStatement("$N = new $T[$L]", w, floats ? TypeName.FLOAT : TypeName.DOUBLE,
          l.weightCount() + pad);
      r.endControlFlow();
      r.addStatement("$N = $T.$L($N, $N)", s, ALIGNMENT, startOf, w, probe);
      if (e.getValue().columns()) {
        ColumnPredict.transpose(r, e.getValue().weights(), w, s, l.outSize(), l.inSize());
      } else {
        r.addStatement("$T.arraycopy($N, 0, $N, $N, $L)", System.class, e.getValue().weights(),
            w, s, l.weightCount());
      }
      refresh.add(r.build());
    }
    return refresh;
  }

  /**
   * {@code alignedWeightsForTraining(n)} of a per-example class: for a batch of at least {@link
   * #MIN_TRAINING_EXAMPLES} examples, copies the current weights onto a line start and returns
   * true (the batch's examples then run over the copies); else false. It leaves predict's state
   * alone: the step after the batch changes the weights, and its writer marks them stale.
   */
  MethodSpec trainingMethodSpec(Helpers helpers) {
    CodeBlock.Builder c = CodeBlock.builder();
    c.beginControlFlow("if (n < $L || !$T.available())", MIN_TRAINING_EXAMPLES, ALIGNMENT);
    c.addStatement("return false");
    c.endControlFlow();
    c.add(helpers.perLayer(training + "Refresh", refreshBlocks()));
    c.addStatement("return true");
    return MethodSpec.methodBuilder(training)
        .addJavadoc("For a batch of at least $L examples, copies the weights of the large dense "
            + "layers onto 64-byte\nlines and returns true: the batch then reads them there.\n",
            MIN_TRAINING_EXAMPLES)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "n")
        .returns(TypeName.BOOLEAN)
        .addCode(c.build())
        .build();
  }
}
