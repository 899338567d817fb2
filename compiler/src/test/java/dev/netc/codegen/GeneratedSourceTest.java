package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.palantir.javapoet.JavaFile;
import dev.netc.ir.Network;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Generated classes carry no dead code: every private method is called, every method of the
 * runtime interfaces is marked {@code @Override}, with both backends and every code shape (the
 * random networks of {@code CodegenPropertyTest} are checked as {@link Generated} compiles them).
 */
class GeneratedSourceTest {

  @ParameterizedTest
  @EnumSource(CodegenPolicy.Backend.class)
  void everyPrivateMethodIsCalledAndInterfaceMethodsAreMarked(CodegenPolicy.Backend backend) {
    List<CodegenPolicy> policies = List.of(CodegenPolicy.defaults(),
        CodegenPolicy.alwaysLooped(), CodegenPolicy.defaults().withChunk(0),
        CodegenPolicy.alwaysLooped().withLayersPerMethod(1));
    List<Network> nets = List.of(SampleNetworks.xor(), SampleNetworks.iris(),
        SampleNetworks.regression(), SampleNetworks.inferenceOnly());
    List<String> problems = new ArrayList<>();
    for (int p = 0; p < policies.size(); p++) {
      String pkg = "gen.source." + backend.name().toLowerCase(java.util.Locale.ROOT) + p;
      List<JavaFile> files = new ArrayList<>();
      for (Network n : nets) {
        files.add(JavaGenerator.generate(n, pkg, policies.get(p).withBackend(backend)));
      }
      InMemoryCompiler.Compiled c = InMemoryCompiler.compile(files);
      for (int i = 0; i < nets.size(); i++) {
        problems.addAll(SourceChecks.problems(files.get(i).toString(),
            c.load(pkg + "." + nets.get(i).name())));
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void theCheckFindsAnUncalledPrivateMethodAndAMissingOverride() {
    String source = "class A implements Runnable {\n"
        + "  public void run() {\n  }\n\n"
        + "  private void unused(int x) {\n  }\n"
        + "}\n";
    List<String> problems = SourceChecks.problems(source, Uncalled.class);
    assertEquals(2, problems.size(), problems.toString());
    assertFalse(problems.get(0).isEmpty());
  }

  /** A stand-in for a generated class implementing an interface. */
  private abstract static class Uncalled implements Runnable {}
}
