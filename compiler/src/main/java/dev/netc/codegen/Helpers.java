package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * Keeps methods whose length grows with the network's depth (constructors, parameter copies,
 * optimizer steps) below HotSpot's 8000-byte limit: their per-layer statements go into private
 * helper methods of at most {@link CodegenPolicy#layersPerMethod()} layers each once the network
 * is deeper than that. Collects the helpers, which the class gets after its other methods.
 */
final class Helpers {
  private final Names names;
  private final int perMethod;
  private final List<MethodSpec> methods = new ArrayList<>();

  Helpers(Names names, int perMethod) {
    this.names = names;
    this.perMethod = perMethod;
  }

  /**
   * The code for {@code blocks} (one per layer): the blocks themselves, or calls to new helpers
   * named after {@code base} that take {@code params} (passed on under the same names).
   */
  CodeBlock perLayer(String base, boolean isStatic, List<ParameterSpec> params,
      List<CodeBlock> blocks) {
    CodeBlock.Builder into = CodeBlock.builder();
    if (blocks.size() <= perMethod) {
      blocks.forEach(into::add);
      return into.build();
    }
    String args = params.stream().map(ParameterSpec::name).collect(Collectors.joining(", "));
    for (int from = 0; from < blocks.size(); from += perMethod) {
      int to = Math.min(blocks.size(), from + perMethod);
      String name = names.helper(base + from / perMethod);
      MethodSpec.Builder h = MethodSpec.methodBuilder(name)
          .addJavadoc("Part of {@code $L}: layers $L to $L.\n", base, from, to - 1)
          .addModifiers(Modifier.PRIVATE)
          .addParameters(params);
      if (isStatic) {
        h.addModifiers(Modifier.STATIC);
      }
      blocks.subList(from, to).forEach(h::addCode);
      methods.add(h.build());
      into.addStatement("$N($L)", name, args);
    }
    return into.build();
  }

  /** {@link #perLayer} for a method without parameters. */
  CodeBlock perLayer(String base, List<CodeBlock> blocks) {
    return perLayer(base, false, List.of(), blocks);
  }

  /** Adds a method written elsewhere to the helpers. */
  void add(MethodSpec method) {
    methods.add(method);
  }

  /** True if a helper of this name was added. */
  boolean has(String name) {
    return methods.stream().anyMatch(m -> m.name().equals(name));
  }

  /** The helper methods created so far, in creation order. */
  List<MethodSpec> methods() {
    return List.copyOf(methods);
  }
}
