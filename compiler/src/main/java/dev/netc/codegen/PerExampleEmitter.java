package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * What the emitters of convolution, pooling and flatten layers share: these layers have
 * per-example kernels only, as {@link CodegenPolicy#batched} gives a network with them no
 * mini-batch path and hence no fused one-example step (a mini-batch trains example by example).
 */
abstract class PerExampleEmitter implements LayerEmitter {
  protected final Layer layer;
  protected final EmitContext ctx;
  protected final Names.LayerNames n;

  PerExampleEmitter(Layer layer, EmitContext ctx) {
    this.layer = layer;
    this.ctx = ctx;
    this.n = ctx.names().layer(layer.index());
  }

  /** For a layer without parameters (pooling, flatten): an empty method, nothing to add. */
  @Override
  public MethodSpec gradient() {
    return method(n.gradient(), "Layer " + Javadoc.escape(layer.name())
        + " has no parameters: nothing to add.", CodeBlock.of(""));
  }

  /** The javadoc of the forward method: the layer, then {@code how} it is computed. */
  protected String forwardDoc(String how) {
    return "Layer " + Javadoc.escape(layer.name()) + " forward: "
        + Javadoc.escape(layer.describe()) + how;
  }

  @Override
  public final MethodSpec batchForward() {
    throw noBatchPath();
  }

  @Override
  public final MethodSpec batchGradient() {
    throw noBatchPath();
  }

  @Override
  public final MethodSpec batchBackprop() {
    throw noBatchPath();
  }

  @Override
  public final MethodSpec online(List<ParameterSpec> parameters) {
    throw noBatchPath();
  }

  private IllegalStateException noBatchPath() {
    return new IllegalStateException(layer.kind() + " layer " + layer.name()
        + " has per-example kernels only (CodegenPolicy.batched is false for its network)");
  }

  /** A private method named {@code name} with {@code doc} (one line) and body {@code c}. */
  protected static MethodSpec method(String name, String doc, CodeBlock c) {
    return MethodSpec.methodBuilder(name)
        .addJavadoc("$L\n", doc)
        .addModifiers(Modifier.PRIVATE)
        .addCode(c)
        .build();
  }

  /** Writes {@code a = σ(z)} over the locals z and a of {@code size} values. */
  protected void activate(CodeBlock.Builder c, int size) {
    c.beginControlFlow("for (int p = 0; p < $L; p++)", size);
    if (layer.activation() instanceof Activation.Relu) {
      // C2 vectorizes Math.max, not the compare of z > 0 ? z : 0 (a branch per value here);
      // Math.max differs only by keeping a NaN, which the second pass sets to relu's 0.
      c.addStatement("a[p] = Math.max(z[p], $L)", ctx.lit(0));
      c.endControlFlow();
      c.beginControlFlow("for (int p = 0; p < $L; p++)", size);
      c.beginControlFlow("if (a[p] != a[p])");
      c.addStatement("a[p] = $L", ctx.lit(0));
      c.endControlFlow();
    } else {
      c.addStatement("a[p] = $L", ctx.value(layer.activation(), "z[p]"));
    }
    c.endControlFlow();
  }

  /**
   * Declares the local {@code g} (the previous layer's δ) and the previous layer's z and
   * activations as far as its σ' needs them.
   */
  protected void declarePrevious(CodeBlock.Builder c) {
    Names.LayerNames pn = ctx.names().layer(layer.index() - 1);
    ctx.declareArray(c, "g", pn.delta());
    Activation pact = previous().activation();
    if (!(pact instanceof Activation.Identity)) {
      String der = ctx.derivative(pact, "pz[0]", "pa[0]");
      ctx.declareUsed(c, der, "pz", pn.z());
      ctx.declareUsed(c, der, "pa", pn.act());
    }
  }

  /** Multiplies the local {@code g} by the previous layer's σ', as the interpreter does. */
  protected void timesPreviousDerivative(CodeBlock.Builder c) {
    if (!previousHasDerivative()) {
      return;
    }
    c.beginControlFlow("for (int i = 0; i < $L; i++)", layer.inSize());
    c.addStatement("g[i] = $L", timesPreviousDerivative("g[i]", "i"));
    c.endControlFlow();
  }

  /**
   * {@code value} times the previous layer's σ' at input {@code index} (both Java expressions),
   * or {@code value} alone for an identity. Writing this product once into {@code g} gives the
   * interpreter's result for an input that receives one delta (0 + δ is δ), so kernels that touch
   * each input at most once need no separate σ' pass.
   */
  protected String timesPreviousDerivative(String value, String index) {
    if (!previousHasDerivative()) {
      return value;
    }
    // Without a branch where the activation has such a form (relu: a bit mask): a branch on the
    // sign of z mispredicts on about every other value of a convolution's output (the Fashion
    // CNN's backpropMaxpool1 took 37 µs per example with it, 8.6 µs with the mask).
    return previous().activation()
        .javaBranchFreeTimesDerivative(value, "pz[" + index + "]", ctx.precision())
        .orElseGet(() -> value + " * " + previousDerivative(index));
  }

  /** False if the previous layer's σ' is 1 everywhere (an identity): nothing to multiply. */
  protected boolean previousHasDerivative() {
    return !(previous().activation() instanceof Activation.Identity);
  }

  /** The previous layer's σ' at input {@code index}, rounded as the interpreter does. */
  private String previousDerivative(String index) {
    return ctx.derivative(previous().activation(), "pz[" + index + "]", "pa[" + index + "]");
  }

  private Layer previous() {
    return ctx.network().layers().get(layer.index() - 1);
  }
}
