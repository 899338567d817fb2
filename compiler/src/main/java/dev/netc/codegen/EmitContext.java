package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.Modifier;

/**
 * What every emitter needs to know about the class being generated.
 *
 * @param network the network
 * @param policy the specialization policy
 * @param names every identifier of the class
 * @param helpers where methods that grow with depth are split
 * @param allocations statements that allocate the buffers, when {@link #deep()}
 * @param predictInputs the layers whose forward pass of predict reads another array than the
 *     previous layer's activations ({@link #predictInputOf}), by index
 * @param aligned predict's 64-byte aligned copies of the large dense weights
 * @param argmaxes the fields of the max pools' argmax, by layer index ({@link #argmaxOf})
 */
record EmitContext(Network network, CodegenPolicy policy, Names names, Helpers helpers,
    List<CodeBlock> allocations, Map<Integer, PredictInput> predictInputs,
    AlignedWeights aligned, Map<Integer, String> argmaxes) {

  static EmitContext of(Network network, CodegenPolicy policy) {
    boolean adam = network.optimizer() instanceof Optimizer.Adam;
    Names names = new Names(network, adam ? "ExpAvg" : "Momentum", adam ? "ExpAvgSq" : "Unused");
    return new EmitContext(network, policy, names,
        new Helpers(names, policy.layersPerMethod()), new ArrayList<>(), new HashMap<>(),
        new AlignedWeights(network, policy, names), new HashMap<>());
  }

  /**
   * The field that holds the input index of each output's maximum of {@code pool}, for the
   * example forward saw last: named once, for the pool's emitter and for the convolution before
   * it, whose backward pass reads it ({@link PooledConvBackward}).
   */
  String argmaxOf(MaxPool2d pool) {
    return argmaxes.computeIfAbsent(pool.index(), i -> names.helper(pool.name() + "Argmax"));
  }

  /**
   * What a layer's forward pass of predict reads instead of the previous layer's activations:
   * {@code array}, laid out as {@code shape} with {@code plane} values per channel, whose rows may
   * be wider than the previous layer's output (the columns past it are junk), and its channels
   * further apart than their rows (junk again). A convolution whose predict reads its input in
   * place hands its bordered rows to a max pool this way, which saves copying them out.
   */
  record PredictInput(String array, Shape.Image shape, int plane) {}

  /**
   * Declares that layer {@code index}'s forward pass of predict (and its forward pass, in a class
   * that does not train) reads {@code input}; the previous layer's emitter calls this while it is
   * built, before layer {@code index}'s.
   */
  void handPredictInput(int index, PredictInput input) {
    predictInputs.put(index, input);
  }

  /** What layer {@code index}'s forward pass of predict reads, if not its input's activations. */
  Optional<PredictInput> predictInputOf(int index) {
    return Optional.ofNullable(predictInputs.get(index));
  }

  /**
   * True when the network has more layers than one method may hold: constructors then delegate
   * to helpers, so the fields they assign cannot be {@code final}.
   */
  boolean deep() {
    return network.layers().size() > policy.layersPerMethod();
  }

  /**
   * A private buffer of {@code size} elements, zero-initialized: a final field with an
   * initializer, or, in a deep network, a field allocated by the constructors' helpers.
   */
  FieldSpec buffer(String name, int size) {
    if (!deep()) {
      return FieldSpec.builder(array(), name, Modifier.PRIVATE, Modifier.FINAL)
          .initializer("new $T[$L]", scalar(), size)
          .build();
    }
    allocations.add(CodeBlock.of("this.$N = new $T[$L];\n", name, scalar(), size));
    return FieldSpec.builder(array(), name, Modifier.PRIVATE).build();
  }

  /** As {@link #buffer}, an {@code int[]} of {@code size} elements, documented by {@code doc}. */
  FieldSpec intBuffer(String name, int size, String doc) {
    FieldSpec.Builder b = FieldSpec.builder(ArrayTypeName.of(TypeName.INT), name, assignedField())
        .addJavadoc("$L\n", Javadoc.escape(doc));
    if (deep()) {
      allocations.add(CodeBlock.of("this.$N = new int[$L];\n", name, size));
    } else {
      b.initializer("new int[$L]", size);
    }
    return b.build();
  }

  /**
   * A private {@code rows × cols} matrix of separate row arrays, zero-initialized, like
   * {@link #buffer}. Row arrays let the scalar batched kernels index every operand of an inner
   * loop at offset 0, the only form C2 (JDK 17) auto-vectorizes when a loop stores to one array
   * and loads from others.
   */
  FieldSpec matrix(String name, int rows, int cols) {
    ArrayTypeName type = ArrayTypeName.of(array());
    if (!deep()) {
      return FieldSpec.builder(type, name, Modifier.PRIVATE, Modifier.FINAL)
          .initializer("new $T[$L][$L]", scalar(), rows, cols)
          .build();
    }
    allocations.add(CodeBlock.of("this.$N = new $T[$L][$L];\n", name, scalar(), rows, cols));
    return FieldSpec.builder(type, name, Modifier.PRIVATE).build();
  }

  /** Modifiers of fields that constructors assign: final unless {@link #deep()}. */
  Modifier[] assignedField() {
    return deep() ? new Modifier[] {Modifier.PRIVATE}
        : new Modifier[] {Modifier.PRIVATE, Modifier.FINAL};
  }

  /** The network's precision. */
  Precision precision() {
    return network.precision();
  }

  /** {@code float} or {@code double}. */
  TypeName scalar() {
    return precision() == Precision.FLOAT ? TypeName.FLOAT : TypeName.DOUBLE;
  }

  /** Bytes of one value of the network's precision. */
  int scalarBytes() {
    return precision() == Precision.FLOAT ? Float.BYTES : Double.BYTES;
  }

  /** {@code float[]} or {@code double[]}. */
  ArrayTypeName array() {
    return ArrayTypeName.of(scalar());
  }

  /** A literal of the network's precision. */
  String lit(double v) {
    return precision().literal(v);
  }

  /** True if the network has a loss and therefore training methods. */
  boolean trainable() {
    return network.loss().isPresent();
  }

  /** {@link CodegenPolicy#defersFirstUpdate} for this class's network ({@link OnlineEmitter}). */
  boolean defersFirstUpdate() {
    return policy.defersFirstUpdate(network);
  }

  /**
   * The call that applies a pending first-layer update ({@link #defersFirstUpdate()}), which
   * every public method that reads or writes the parameters, the optimizer state or the
   * layers' buffers makes first; empty in a class that defers none.
   */
  CodeBlock settleDeferred() {
    return defersFirstUpdate() ? CodeBlock.of("$N();\n", OnlineEmitter.SETTLE)
        : CodeBlock.of("");
  }

  /** {@code operand} as a double expression: a parenthesized cast for float networks. */
  String asDouble(String operand) {
    return precision() == Precision.FLOAT ? "((double) " + operand + ")" : operand;
  }

  /**
   * σ(z) as an expression of the network's precision. Like the interpreter, the template is
   * evaluated in double and rounded once, or (float networks) the activation's own float form,
   * so float code gives bit-identical results.
   */
  String value(Activation act, String z) {
    if (precision() == Precision.FLOAT) {
      Optional<String> fast = act.javaFloatValue(z);
      if (fast.isPresent()) {
        return fast.get();
      }
    }
    return precision().cast(act.javaValue(asDouble(z)));
  }

  /** σ'(z) given a = σ(z), evaluated in double and rounded once, as the interpreter does. */
  String derivative(Activation act, String z, String a) {
    return precision().cast(act.javaDerivative(asDouble(z), asDouble(a)));
  }

  /** The field holding the input of layer {@code index}: the input copy or the previous act. */
  String inputOf(int index) {
    return index == 0 ? "input" : names.layer(index - 1).act();
  }

  /** The output layer's names. */
  Names.LayerNames outputNames() {
    return names.layer(network.layers().size() - 1);
  }

  /** True if layer {@code index} is the output layer. */
  boolean isOutput(int index) {
    return index == network.layers().size() - 1;
  }

  /** True if the Java code {@code code} mentions the identifier {@code name}. */
  static boolean mentions(String code, String name) {
    return java.util.regex.Pattern.compile("\\b" + name + "\\b").matcher(code).find();
  }

  /** {@link #declareArray}, only if {@code code} mentions {@code local}. */
  void declareUsed(CodeBlock.Builder c, String code, String local, String field) {
    if (mentions(code, local)) {
      declareArray(c, local, field);
    }
  }

  /** {@code T[] local = field;}: a kernel's local alias of an array field. */
  void declareArray(CodeBlock.Builder c, String local, String field) {
    c.addStatement("$T $L = $N", array(), local, field);
  }
}
