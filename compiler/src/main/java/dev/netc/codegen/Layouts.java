package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import dev.netc.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/** Emits a constant list of {@link TensorSpec}s: the parameter and optimizer state layouts. */
final class Layouts {
  private Layouts() {}

  /**
   * {@code private static final List<TensorSpec> FIELD}: a {@code List.of(...)}, or in a deep
   * network (whose list would not fit one method) a static method {@code method} that builds it by
   * parts.
   */
  static FieldSpec field(EmitContext ctx, String field, String method, List<TensorSpec> specs) {
    FieldSpec.Builder f = FieldSpec.builder(ParameterizedTypeName.get(List.class,
        TensorSpec.class), field, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL);
    if (ctx.deep()) {
      return f.initializer("$N()", byHelpers(ctx, method, specs)).build();
    }
    CodeBlock.Builder init = CodeBlock.builder().add("$T.of(", List.class).indent();
    for (int i = 0; i < specs.size(); i++) {
      TensorSpec s = specs.get(i);
      init.add("\nnew $T($S, new int[] {$L}, $L)$L", TensorSpec.class, s.name(), dims(s),
          s.offset(), i + 1 < specs.size() ? "," : "");
    }
    init.unindent().add(")");
    return f.initializer(init.build()).build();
  }

  /** Adds the helper that builds the list by parts and returns its name. */
  private static String byHelpers(EmitContext ctx, String method, List<TensorSpec> specs) {
    List<CodeBlock> blocks = new ArrayList<>();
    for (int i = 0; i < specs.size(); i += 2) {
      CodeBlock.Builder b = CodeBlock.builder();
      for (int k = i; k < Math.min(i + 2, specs.size()); k++) {
        TensorSpec s = specs.get(k);
        b.addStatement("specs[$L] = new $T($S, new int[] {$L}, $L)", k, TensorSpec.class,
            s.name(), dims(s), s.offset());
      }
      blocks.add(b.build());
    }
    CodeBlock fill = ctx.helpers().perLayer(method, true, List.of(ParameterSpec.builder(
        ArrayTypeName.of(ClassName.get(TensorSpec.class)), "specs").build()), blocks);
    ctx.helpers().add(MethodSpec.methodBuilder(method)
        .addJavadoc("The $L, built by parts.\n", method.equals("layout") ? "parameter layout"
            : "optimizer state layout")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(ParameterizedTypeName.get(List.class, TensorSpec.class))
        .addStatement("$T[] specs = new $T[$L]", TensorSpec.class, TensorSpec.class, specs.size())
        .addCode(fill)
        .addStatement("return $T.of(specs)", List.class)
        .build());
    return method;
  }

  /** A tensor's dimensions as the elements of an int array literal, e.g. {@code 3, 2}. */
  private static String dims(TensorSpec s) {
    return Arrays.stream(s.shape()).mapToObj(Integer::toString)
        .collect(Collectors.joining(", "));
  }
}
