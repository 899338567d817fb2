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
 * Predict's copies of the large dense weights, each starting on a 64-byte line.
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
 * knows no addresses (JDK 24 and later, see there) there are no copies at all.
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
   */
  private record Copy(String copy, String start, String weights, String forward) {}

  /** Per qualifying layer index, its names. */
  private final Map<Integer, Copy> copies = new LinkedHashMap<>();
  private final String current;
  private final String predicts;
  private final String probe;
  private final String ready;
  private final String forward;

  AlignedWeights(Network network, CodegenPolicy policy, Names names) {
    this.network = network;
    this.floats = network.precision() == Precision.FLOAT;
    int bytes = floats ? Float.BYTES : Double.BYTES;
    if (policy.backend() == CodegenPolicy.Backend.VECTOR) {
      for (Layer l : network.layers()) {
        if (l instanceof Dense && (long) l.weightCount() * bytes >= MIN_BYTES
            && l.inSize() % (Alignment.LINE / bytes) == 0
            && policy.kernel(l) != CodegenPolicy.Kernel.UNROLLED) {
          String w = names.layer(l.index()).weight();
          copies.put(l.index(), new Copy(names.helper(w + "Aligned"),
              names.helper(w + "AlignedStart"), w,
              names.helper(names.layer(l.index()).forward() + "Aligned")));
        }
      }
    }
    boolean any = !copies.isEmpty();
    this.current = any ? names.helper("alignedCurrent") : null;
    this.predicts = any ? names.helper("predictsSinceWrite") : null;
    this.probe = any ? names.helper("alignmentProbe") : null;
    this.ready = any ? names.helper("alignedWeightsReady") : null;
    this.forward = any ? names.helper("predictAlignedForward") : null;
  }

  /** True if some layer's predict runs over an aligned copy. */
  boolean any() {
    return !copies.isEmpty();
  }

  /** True if layer {@code index}'s predict runs over an aligned copy. */
  boolean covers(int index) {
    return copies.containsKey(index);
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
          .addJavadoc("$L.weight for predict, from {@link #$N} on (allocated on first use).\n",
              Javadoc.escape(l.name()), c.start())
          .build());
      f.add(FieldSpec.builder(TypeName.INT, c.start(), Modifier.PRIVATE).build());
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
   * after {@link #PREDICTS_BEFORE_COPY} predicts without a write, and re-aligns where a
   * collection moved them.
   */
  MethodSpec readyMethodSpec(Helpers helpers) {
    String startOf = floats ? "floatStart" : "doubleStart";
    int pad = Alignment.LINE / (floats ? Float.BYTES : Double.BYTES);
    // Per layer, split into helpers in a deep network (each block is some 50 bytes of bytecode).
    List<CodeBlock> refresh = new java.util.ArrayList<>();
    List<CodeBlock> realign = new java.util.ArrayList<>();
    for (Map.Entry<Integer, Copy> e : copies.entrySet()) {
      Layer l = network.layers().get(e.getKey());
      String w = e.getValue().copy();
      String s = e.getValue().start();
      String weight = e.getValue().weights();
      CodeBlock.Builder r = CodeBlock.builder();
      r.beginControlFlow("if ($N == null)", w);
      r.addStatement("$N = new $T[$L]", w, floats ? TypeName.FLOAT : TypeName.DOUBLE,
          l.weightCount() + pad);
      r.endControlFlow();
      r.addStatement("$N = $T.$L($N, $N)", s, ALIGNMENT, startOf, w, probe);
      r.addStatement("$T.arraycopy($N, 0, $N, $N, $L)", System.class, weight, w, s,
          l.weightCount());
      refresh.add(r.build());
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
    c.add("// No addresses here (e.g. JDK 24 and later): no copies, the plain kernels.\n");
    c.addStatement("return false");
    c.endControlFlow();
    c.beginControlFlow("if (!$N)", current);
    c.beginControlFlow("if (++$N < $L)", predicts, PREDICTS_BEFORE_COPY);
    c.addStatement("return false");
    c.endControlFlow();
    c.add(helpers.perLayer(ready + "Refresh", refresh));
    c.addStatement("$N = true", current);
    c.addStatement("return true");
    c.endControlFlow();
    c.add("// A collection may have moved a copy: its rows back on a line (the same values).\n");
    c.add(helpers.perLayer(ready + "Realign", realign));
    c.addStatement("return true");
    return MethodSpec.methodBuilder(ready)
        .addJavadoc("True if predict may run over the aligned copies of the weights: they hold "
            + "the current\nweights (copied after $L predicts in a row without a write) and start"
            + " on a 64-byte line.\n", PREDICTS_BEFORE_COPY)
        .addModifiers(Modifier.PRIVATE)
        .returns(TypeName.BOOLEAN)
        .addCode(c.build())
        .build();
  }
}
