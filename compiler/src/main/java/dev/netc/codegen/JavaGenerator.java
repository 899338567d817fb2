package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.netc.ir.Decimals;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.Init;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Modifier;

/**
 * Turns one IR {@link Network} into one specialized Java class: the back end of netc. The class
 * depends on {@code netc-runtime} only and implements {@link FloatNetwork},
 * {@link TrainableFloatNetwork} or their double variants.
 */
public final class JavaGenerator {
  private static final ClassName SCHEME = ClassName.get(Init.Scheme.class);
  /** Scratch of a softmax output layer: the current example's exponentials, in double. */
  static final String SOFTMAX_EXP = "softmaxExp";
  /** The current example's largest logit, kept by the softmax for the loss. */
  static final String SOFTMAX_MAX = "softmaxMax";
  /** The current example's sum of shifted exponentials, kept by the softmax for the loss. */
  static final String SOFTMAX_SUM = "softmaxSum";

  private final EmitContext ctx;
  private final ClassName self;
  private final Backend backend;
  /** One per layer, in order. */
  private final List<LayerEmitter> layers;
  /** The mini-batch path, or null when the network has none. */
  private final BatchEmitter batch;
  /** The training API, or null for an inference-only network. */
  private final TrainingEmitter training;
  /** predict's large layers over the class's team, where it has one. */
  private final PredictSplit predictSplit;

  private JavaGenerator(Network network, String packageName, CodegenPolicy policy) {
    this.ctx = EmitContext.of(network, policy);
    this.self = ClassName.get(packageName, network.name());
    this.backend = Backend.of(ctx);
    this.layers = LayerEmitter.all(ctx, backend);
    this.batch = policy.batched(network) ? new BatchEmitter(ctx, backend, layers) : null;
    this.training = ctx.trainable() ? new TrainingEmitter(ctx, batch, backend, layers) : null;
    this.predictSplit = new PredictSplit(ctx, backend, layers, batch != null && batch.splits(),
        batch == null);
  }

  /** Generates {@code packageName.NetworkName} with the default {@link CodegenPolicy}. */
  public static JavaFile generate(Network network, String packageName) {
    return generate(network, packageName, CodegenPolicy.defaults());
  }

  /** Generates {@code packageName.NetworkName} with the given specialization policy. */
  public static JavaFile generate(Network network, String packageName, CodegenPolicy policy) {
    validate(network, packageName);
    JavaGenerator g = new JavaGenerator(network, packageName, policy);
    return JavaFile.builder(packageName, g.type())
        .indent("  ")
        .skipJavaLangImports(true)
        .build();
  }

  /** Checks what the front end guarantees, so that a caller bypassing it gets a clear error. */
  private static void validate(Network network, String packageName) {
    if (!packageName.isEmpty() && !SourceVersion.isName(packageName)) {
      throw new IllegalArgumentException("invalid package name '" + packageName + "'");
    }
    // The front end's own rule, not a stricter one: a name it accepts must generate. (Asking the
    // running JDK which java.lang types exist would also make the result depend on the JDK.)
    String name = network.name();
    Optional<String> problem = dev.netc.check.Names.networkNameProblem(name);
    if (problem.isPresent()) {
      throw new IllegalArgumentException("network name '" + name + "' " + problem.get());
    }
  }

  private TypeSpec type() {
    boolean f = ctx.precision() == Precision.FLOAT;
    Class<?> iface = ctx.trainable()
        ? (f ? TrainableFloatNetwork.class : TrainableDoubleNetwork.class)
        : (f ? FloatNetwork.class : DoubleNetwork.class);
    TypeSpec.Builder t = TypeSpec.classBuilder(self)
        .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .addSuperinterface(iface)
        .addJavadoc(ClassDoc.of(ctx));
    constants(t);
    fields(t);
    constructors(t);
    methods(t);
    return t.build();
  }

  private void constants(TypeSpec.Builder t) {
    Network net = ctx.network();
    t.addField(intConstant("INPUT_SIZE", net.inputSize(), "Inputs per example."));
    t.addField(intConstant("OUTPUT_SIZE", net.outputSize(), "Outputs per example."));
    t.addField(intConstant("PARAMETER_COUNT", net.parameterCount(),
        "Weights and biases of all layers."));
    t.addField(FieldSpec.builder(TypeName.LONG, "DEFAULT_SEED", Modifier.PUBLIC, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("The initialization seed of the .net file.\n")
        .initializer("$LL", net.seed())
        .build());
    if (training != null) {
      t.addFields(training.constants());
    }
    t.addFields(backend.constants());
    backend.staticBlock().ifPresent(t::addStaticBlock);
    if (batch != null) {
      t.addField(batch.constant());
    }
    t.addField(Layouts.field(ctx, "LAYOUT", "layout", net.parameterLayout()));
  }

  private void fields(TypeSpec.Builder t) {
    Network net = ctx.network();
    for (Layer l : net.layers()) {
      if (!l.hasParameters()) {
        continue;
      }
      Names.LayerNames n = ctx.names().layer(l.index());
      int[] shape = l.parameters(0).get(0).shape();
      t.addField(FieldSpec.builder(ctx.array(), n.weight(), ctx.assignedField())
          .addJavadoc("$L.weight, $L row-major.\n", Javadoc.escape(l.name()),
              Arrays.toString(shape))
          .build());
      t.addField(FieldSpec.builder(ctx.array(), n.bias(), ctx.assignedField())
          .addJavadoc("$L.bias, [$L].\n", Javadoc.escape(l.name()), l.biasCount())
          .build());
    }
    t.addField(ctx.buffer("input", net.inputSize()));
    for (Layer l : net.layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      t.addField(ctx.buffer(n.z(), l.outSize()));
      t.addField(ctx.buffer(n.act(), l.outSize()));
    }
    Layer output = net.outputLayer();
    if (!output.activation().isElementwise()) {
      t.addField(FieldSpec.builder(double[].class, SOFTMAX_EXP, Modifier.PRIVATE, Modifier.FINAL)
          .initializer("new double[$L]", output.outSize()).build());
      if (keepsLogSumExp(net)) {
        t.addField(TypeName.DOUBLE, SOFTMAX_MAX, Modifier.PRIVATE);
        t.addField(TypeName.DOUBLE, SOFTMAX_SUM, Modifier.PRIVATE);
      }
    }
    for (LayerEmitter l : layers) {
      t.addFields(l.fields());
    }
    t.addFields(ctx.aligned().fields());
    t.addFields(ColumnPredict.fields(ctx.network(), ctx.aligned()));
    if (training != null) {
      t.addFields(training.fields());
    }
    if (batch != null) {
      t.addFields(batch.fields());
    }
    t.addFields(predictSplit.fields());
  }

  private void constructors(TypeSpec.Builder t) {
    t.addMethod(MethodSpec.constructorBuilder()
        .addJavadoc("Creates the network with the seed of the .net file, {@value #DEFAULT_SEED}."
            + "\n")
        .addModifiers(Modifier.PUBLIC)
        .addStatement("this(DEFAULT_SEED)")
        .build());
    CodeBlock allocate = allocations();
    t.addMethod(seededConstructor(allocate));
    t.addMethod(copyConstructor(allocate, training));
  }

  private void methods(TypeSpec.Builder t) {
    MethodSpec.Builder copy = MethodSpec.methodBuilder("copy")
        .addJavadoc("An independent copy (parameters and optimizer state) for use on another "
            + "thread.\n")
        .addModifiers(Modifier.PUBLIC)
        .returns(self)
        .addCode(ctx.settleDeferred())
        .addStatement("return new $T(this)", self);
    if (training != null) {
      copy.addAnnotation(Override.class);
    }
    t.addMethod(copy.build());
    // Built once: predict's driver names them, and the class holds them.
    Map<Integer, MethodSpec> predictForwards = new LinkedHashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      MethodSpec predictForward = layers.get(i).predictForward();
      if (predictForward != null) {
        predictForwards.put(i, predictForward);
      }
    }
    t.addMethods(new InferenceEmitter(ctx, batch, predictForwards, predictSplit).methods());
    t.addMethods(predictSplit.methods());
    for (int i = 0; i < layers.size(); i++) {
      t.addMethod(layers.get(i).forward());
      MethodSpec predictForward = predictForwards.get(i);
      if (predictForward != null) {
        t.addMethod(predictForward);
      }
      MethodSpec alignedForward = layers.get(i).alignedForward();
      if (alignedForward != null) {
        t.addMethod(alignedForward);
      }
    }
    if (training != null) {
      t.addMethods(training.methods());
    }
    if (training != null && batch == null) {
      // The per-example backward pass; a mini-batch path has its own kernels.
      for (int i = 0; i < layers.size(); i++) {
        t.addMethod(layers.get(i).gradient());
        if (i > 0) {
          t.addMethod(layers.get(i).backprop());
          MethodSpec alignedBackprop = layers.get(i).alignedBackprop();
          if (alignedBackprop != null) {
            t.addMethod(alignedBackprop);
          }
        }
      }
    }
    if (batch != null) {
      t.addMethods(batch.methods());
    } else {
      // Tiles of the batched kernels a per-example class uses (DenseEmitter.DEFER_MIN_WEIGHTS).
      t.addMethods(backend.batchKernels().sharedMethods());
    }
    t.addMethods(ctx.helpers().methods());
  }

  /** In a deep network, the statements (or helper calls) that allocate the buffers. */
  private CodeBlock allocations() {
    List<CodeBlock> blocks = new ArrayList<>();
    List<CodeBlock> all = ctx.allocations();
    int perBlock = 8; // about the number of buffers one layer has
    for (int i = 0; i < all.size(); i += perBlock) {
      CodeBlock.Builder b = CodeBlock.builder();
      all.subList(i, Math.min(all.size(), i + perBlock)).forEach(b::add);
      blocks.add(b.build());
    }
    return ctx.helpers().perLayer("allocateBuffers", blocks);
  }

  private MethodSpec seededConstructor(CodeBlock allocate) {
    boolean f = ctx.precision() == Precision.FLOAT;
    MethodSpec.Builder m = MethodSpec.constructorBuilder()
        .addJavadoc("Creates the network with weights drawn for {@code seed} exactly as the "
            + "interpreter draws them;\nbiases start at zero.\n")
        .addModifiers(Modifier.PUBLIC)
        .addParameter(TypeName.LONG, "seed")
        .addCode(allocate);
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      if (!l.hasParameters()) {
        continue;
      }
      Names.LayerNames n = ctx.names().layer(l.index());
      // The count is explicit only where it is not fanIn * fanOut (a convolution's kernels).
      boolean dense = (long) l.fanIn() * l.fanOut() == l.weightCount();
      blocks.add(CodeBlock.builder()
          .addStatement("this.$N = $T.$L($T.$L, $L, $L, $L, $Lseed, $L)", n.weight(), Init.class,
              f ? "weightsFloat" : "weights", SCHEME, l.init().scheme().name(),
              Decimals.of(l.init().scale()), l.fanIn(), l.fanOut(),
              dense ? "" : l.weightCount() + ", ", l.index())
          .addStatement("this.$N = new $T[$L]", n.bias(), ctx.scalar(), l.biasCount())
          .build());
    }
    return m.addCode(ctx.helpers().perLayer("initialize", false,
        List.of(ParameterSpec.builder(TypeName.LONG, "seed").build()), blocks)).build();
  }

  private MethodSpec copyConstructor(CodeBlock allocate, TrainingEmitter training) {
    MethodSpec.Builder m = MethodSpec.constructorBuilder()
        .addModifiers(Modifier.PRIVATE)
        .addParameter(self, "source")
        .addCode(allocate);
    List<CodeBlock> state = training != null ? training.copyState() : null;
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      CodeBlock.Builder b = CodeBlock.builder();
      if (l.hasParameters()) {
        b.addStatement("this.$N = source.$N.clone()", n.weight(), n.weight())
            .addStatement("this.$N = source.$N.clone()", n.bias(), n.bias());
      }
      if (state != null) {
        b.add(state.get(l.index()));
      }
      blocks.add(b.build());
    }
    m.addCode(ctx.helpers().perLayer("copyLayers", false,
        List.of(ParameterSpec.builder(self, "source").build()), blocks));
    if (training != null) {
      m.addStatement("this.stepCount = source.stepCount");
      m.addStatement("this.learningRate = source.learningRate");
    }
    return m.build();
  }

  /** Whether the softmax keeps its shift and sum: for a cross-entropy loss to read them. */
  static boolean keepsLogSumExp(Network net) {
    return net.loss().filter(l -> l instanceof Loss.CrossEntropy).isPresent();
  }

  private static FieldSpec intConstant(String name, int value, String doc) {
    return FieldSpec.builder(TypeName.INT, name, Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("$L\n", doc)
        .initializer("$L", value)
        .build();
  }
}
