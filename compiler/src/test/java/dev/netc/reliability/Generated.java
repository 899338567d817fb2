package dev.netc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
import dev.netc.ir.Network;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Test helpers: run the front end, generate and compile, with messages that show the input. */
final class Generated {
  static final String PACKAGE = "hostile";

  private Generated() {}

  /** The networks of a file that must compile without errors. */
  static List<Network> accept(String fileName, String source) {
    FrontendResult r = Frontend.compile(fileName, source);
    assertFalse(r.hasErrors(), () -> "rejected:\n" + source + "\n" + r.renderDiagnostics());
    return r.networks();
  }

  /** The diagnostics of a file that must be rejected, rendered. */
  static String reject(String source) {
    FrontendResult r = Frontend.compile("t.net", source);
    assertTrue(r.hasErrors(), () -> "accepted: " + source);
    return r.renderDiagnostics();
  }

  /**
   * Generates and compiles {@code networks} together; checks that javac produced exactly their
   * classes (nothing smuggled in) without warnings, and returns the compilation.
   */
  static InMemoryCompiler.Compiled compile(List<Network> networks) {
    List<JavaFile> files = networks.stream().map(n -> JavaGenerator.generate(n, PACKAGE)).toList();
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(files);
    Set<String> expected = networks.stream().map(n -> PACKAGE + "." + n.name())
        .collect(Collectors.toSet());
    assertEquals(expected, c.classFiles().keySet(), "classes javac produced");
    assertEquals(List.of(), c.warnings());
    return c;
  }

  /** A new instance of a compiled network class (its seeded constructor). */
  static Object instance(InMemoryCompiler.Compiled c, String name) {
    try {
      return c.load(PACKAGE + "." + name).getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
