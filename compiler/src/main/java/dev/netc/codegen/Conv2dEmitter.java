package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Conv2d;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javax.lang.model.element.Modifier;

/**
 * A conv2d layer's per-example methods: the backend's {@link ConvKernels} do the convolutions
 * and the bias gradient (δ's sums per channel); this class adds the activation and the previous
 * layer's σ'.
 */
final class Conv2dEmitter extends PerExampleEmitter {
  private final int channels;
  private final int plane;
  private final ConvKernels kernels;
  private final Backend backend;

  Conv2dEmitter(Conv2d conv, EmitContext ctx, Backend backend) {
    super(conv, ctx);
    this.backend = backend;
    this.channels = conv.outputShape().channels();
    this.plane = conv.outputShape().height() * conv.outputShape().width();
    this.kernels = backend.convKernels(conv);
  }

  @Override
  public List<FieldSpec> fields() {
    return kernels.fields();
  }

  @Override
  public MethodSpec settleGradient() {
    return kernels.settle();
  }

  @Override
  public MethodSpec prepareBackward() {
    return kernels.prepareBackward();
  }

  @Override
  public MethodSpec forward() {
    return forwardMethod(n.forward(), kernels::forward, kernels.description());
  }

  /**
   * predict's own forward pass where the kernels have one and the class trains (a class that
   * does not train runs it as its forward pass).
   */
  @Override
  public MethodSpec predictForward() {
    if (!kernels.predictsInPlace() || !ctx.trainable()) {
      return null;
    }
    return forwardMethod(n.predict(), kernels::predictForward,
        "the input read in place (predict)");
  }

  @Override
  public Optional<PredictParts> predictParts() {
    int align = kernels.predictPartAlign();
    if (align == 0) {
      return Optional.empty();
    }
    String whole = ctx.trainable() ? n.predict() : n.forward();
    String border = ctx.names().helper(whole + "Border");
    String layerName = "Layer " + Javadoc.escape(layer.name());
    CodeBlock.Builder prologue = CodeBlock.builder();
    ctx.declareArray(prologue, "x", ctx.inputOf(layer.index()));
    kernels.predictPrologue(prologue, "chFirst", "chEnd");
    CodeBlock.Builder part = CodeBlock.builder();
    ctx.declareArray(part, "z", n.z());
    ctx.declareArray(part, "a", n.act());
    kernels.predictChannels(part, "chFirst", "chEnd");
    MethodSpec prologueMethod = channelsMethod(border, layerName + ": what every part of {@link"
        + " #" + whole + "} over the team reads, from the input channels from {@code chFirst} to"
        + " before {@code chEnd}.", prologue.build());
    MethodSpec partMethod = channelsMethod(ctx.names().helper(whole + "Channels"), layerName
        + ": {@link #" + whole + "} of the output channels from {@code chFirst} to before {@code"
        + " chEnd}, after {@link #" + border + "} (a part of predict over the team).",
        part.build());
    return Optional.of(new PredictParts(prologueMethod, partMethod, channels, align));
  }

  private static MethodSpec channelsMethod(String name, String doc, CodeBlock body) {
    return MethodSpec.methodBuilder(name)
        .addJavadoc("$L\n", doc)
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "chFirst")
        .addParameter(TypeName.INT, "chEnd")
        .addCode(body)
        .build();
  }

  /** A forward method: {@code body} over the locals w, b, x, z, a, then the activation. */
  private MethodSpec forwardMethod(String name, Consumer<CodeBlock.Builder> body, String how) {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "w", n.weight());
    ctx.declareArray(c, "b", n.bias());
    ctx.declareArray(c, "x", ctx.inputOf(layer.index()));
    ctx.declareArray(c, "z", n.z());
    ctx.declareArray(c, "a", n.act());
    body.accept(c);
    if (!kernels.activates()) {
      int size = layer.outSize();
      backend.activateRange(layer.activation(), "z", "0", "a", "0", String.valueOf(size), size)
          .ifPresentOrElse(c::add, () -> activate(c, size));
    }
    return method(name, forwardDoc(", " + Javadoc.escape(layer.activation().describe())
        + ", " + how + "."), c.build());
  }

  @Override
  public MethodSpec gradient() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "gw", n.weightGrad());
    ctx.declareArray(c, "gb", n.biasGrad());
    ctx.declareArray(c, "d", n.delta());
    ctx.declareArray(c, "x", ctx.inputOf(layer.index()));
    kernels.biasGradient(c, channels, plane);
    kernels.weightGradient(c);
    return method(n.gradient(), "Layer " + Javadoc.escape(layer.name())
        + ": adds the correlation of its input with delta to the weight gradient, delta's sums"
        + " to the bias gradient.", c.build());
  }

  @Override
  public MethodSpec backprop() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "w", n.weight());
    ctx.declareArray(c, "d", n.delta());
    declarePrevious(c);
    kernels.inputDelta(c);
    timesPreviousDerivative(c);
    return method(n.backprop(), "Layer " + Javadoc.escape(layer.name())
        + ": the previous layer's delta, delta convolved with the flipped kernels, times its"
        + " activation's derivative.", c.build());
  }
}
