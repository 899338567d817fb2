package dev.netc.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.netc.Version;
import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.Init;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.List;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Modifier;

/**
 * Turns one IR {@link Network} into one specialized Java class: the back end of netc. The class
 * depends on {@code netc-runtime} only and implements {@link FloatNetwork},
 * {@link TrainableFloatNetwork} or their double variants.
 */
public final class JavaGenerator {
  private static final ClassName SCHEME = ClassName.get(Init.Scheme.class);

  private final EmitContext ctx;
  private final ClassName self;

  private JavaGenerator(Network network, String packageName, CodegenPolicy policy) {
    this.ctx = EmitContext.of(network, policy);
    this.self = ClassName.get(packageName, network.name());
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
    String name = network.name();
    if (!SourceVersion.isIdentifier(name) || SourceVersion.isKeyword(name)) {
      throw new IllegalArgumentException("network name '" + name + "' is not a java identifier");
    }
    if (isJavaLangType(name)) {
      throw new IllegalArgumentException("network name '" + name + "' hides java.lang." + name);
    }
    Activation out = network.outputLayer().activation();
    Loss loss = network.loss().orElse(null);
    boolean ok = loss == null
        || loss instanceof Loss.Mse && out.isElementwise()
        || loss instanceof Loss.BinaryCrossEntropy && out instanceof Activation.Sigmoid
        || loss instanceof Loss.CrossEntropy && out instanceof Activation.Softmax;
    if (!ok) {
      throw new IllegalArgumentException(
          "loss " + loss.keyword() + " does not fit output activation " + out.keyword());
    }
  }

  private static boolean isJavaLangType(String name) {
    try {
      Class.forName("java.lang." + name, false, ClassLoader.getPlatformClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private TypeSpec type() {
    Network net = ctx.network();
    boolean f = ctx.precision() == Precision.FLOAT;
    Class<?> iface = ctx.trainable()
        ? (f ? TrainableFloatNetwork.class : TrainableDoubleNetwork.class)
        : (f ? FloatNetwork.class : DoubleNetwork.class);
    TypeSpec.Builder t = TypeSpec.classBuilder(self)
        .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .addSuperinterface(iface)
        .addJavadoc(ClassDoc.of(ctx));
    t.addField(intConstant("INPUT_SIZE", net.inputSize(), "Inputs per example."));
    t.addField(intConstant("OUTPUT_SIZE", net.outputSize(), "Outputs per example."));
    t.addField(intConstant("PARAMETER_COUNT", net.parameterCount(),
        "Weights and biases of all layers."));
    t.addField(FieldSpec.builder(TypeName.LONG, "DEFAULT_SEED", Modifier.PUBLIC, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("The initialization seed of the .net file.\n")
        .initializer("$LL", net.seed())
        .build());
    TrainingEmitter training = ctx.trainable() ? new TrainingEmitter(ctx) : null;
    if (training != null) {
      t.addFields(training.constants());
    }
    t.addField(layout());
    for (Layer l : net.layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      t.addField(FieldSpec.builder(ctx.array(), n.weight(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L.weight, [$L, $L] row-major.\n", Javadoc.escape(l.name()), l.outSize(),
              l.inSize())
          .build());
      t.addField(FieldSpec.builder(ctx.array(), n.bias(), Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L.bias, [$L].\n", Javadoc.escape(l.name()), l.outSize())
          .build());
    }
    t.addField(array("input", net.inputSize()));
    for (Layer l : net.layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      t.addField(array(n.z(), l.outSize()));
      t.addField(array(n.act(), l.outSize()));
    }
    if (training != null) {
      t.addFields(training.fields());
    }
    t.addMethod(MethodSpec.constructorBuilder()
        .addJavadoc("Creates the network with the seed of the .net file, {@value #DEFAULT_SEED}."
            + "\n")
        .addModifiers(Modifier.PUBLIC)
        .addStatement("this(DEFAULT_SEED)")
        .build());
    t.addMethod(seededConstructor());
    t.addMethod(copyConstructor(training));
    t.addMethod(MethodSpec.methodBuilder("copy")
        .addJavadoc("An independent copy (parameters and optimizer state) for use on another "
            + "thread.\n")
        .addModifiers(Modifier.PUBLIC)
        .returns(self)
        .addStatement("return new $T(this)", self)
        .build());
    t.addMethods(new InferenceEmitter(ctx).methods());
    LayerKernels kernels = new LayerKernels(ctx);
    for (Layer l : net.layers()) {
      t.addMethod(kernels.forward(l.index()));
    }
    if (training != null) {
      t.addMethods(training.methods());
      for (Layer l : net.layers()) {
        t.addMethod(kernels.gradient(l.index()));
        if (l.index() > 0) {
          t.addMethod(kernels.backprop(l.index()));
        }
      }
    }
    return t.build();
  }

  private FieldSpec layout() {
    CodeBlock.Builder init = CodeBlock.builder().add("$T.of(", List.class).indent();
    List<TensorSpec> specs = ctx.network().parameterLayout();
    for (int i = 0; i < specs.size(); i++) {
      TensorSpec s = specs.get(i);
      int[] shape = s.shape();
      String dims = shape.length == 1 ? "" + shape[0] : shape[0] + ", " + shape[1];
      init.add("\nnew $T($S, new int[] {$L}, $L)$L", TensorSpec.class, s.name(), dims,
          s.offset(), i + 1 < specs.size() ? "," : "");
    }
    init.unindent().add(")");
    return FieldSpec.builder(ParameterizedTypeName.get(List.class, TensorSpec.class), "LAYOUT",
            Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer(init.build())
        .build();
  }

  private MethodSpec seededConstructor() {
    boolean f = ctx.precision() == Precision.FLOAT;
    MethodSpec.Builder m = MethodSpec.constructorBuilder()
        .addJavadoc("Creates the network with weights drawn for {@code seed} exactly as the "
            + "interpreter draws them;\nbiases start at zero.\n")
        .addModifiers(Modifier.PUBLIC)
        .addParameter(TypeName.LONG, "seed");
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      m.addStatement("this.$N = $T.$L($T.$L, $L, $L, $L, seed, $L)", n.weight(), Init.class,
          f ? "weightsFloat" : "weights", SCHEME, l.init().scheme().name(),
          Double.toString(l.init().scale()), l.inSize(), l.outSize(), l.index());
      m.addStatement("this.$N = new $T[$L]", n.bias(), ctx.scalar(), l.outSize());
    }
    return m.build();
  }

  private MethodSpec copyConstructor(TrainingEmitter training) {
    MethodSpec.Builder m = MethodSpec.constructorBuilder()
        .addModifiers(Modifier.PRIVATE)
        .addParameter(self, "source");
    for (Layer l : ctx.network().layers()) {
      Names.LayerNames n = ctx.names().layer(l.index());
      m.addStatement("this.$N = source.$N.clone()", n.weight(), n.weight());
      m.addStatement("this.$N = source.$N.clone()", n.bias(), n.bias());
    }
    if (training != null) {
      m.addCode(training.copyState());
    }
    return m.build();
  }

  private static FieldSpec intConstant(String name, int value, String doc) {
    return FieldSpec.builder(TypeName.INT, name, Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("$L\n", doc)
        .initializer("$L", value)
        .build();
  }

  private FieldSpec array(String name, int size) {
    return FieldSpec.builder(ctx.array(), name, Modifier.PRIVATE, Modifier.FINAL)
        .initializer("new $T[$L]", ctx.scalar(), size)
        .build();
  }
}
