package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeSpec;
import dev.netc.runtime.FloatNetwork;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Compiling in memory: classes see netc-runtime, bytecode is exposed, failures are explained. */
class InMemoryCompilerTest {

  @Test
  void compiledClassesImplementTheRuntimeInterfaceOfThisClassLoader() throws Exception {
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(
        List.of(JavaGenerator.generate(SampleNetworks.inferenceOnly(), "gen.mem")));
    Class<?> k = c.load("gen.mem.Scorer");
    assertTrue(FloatNetwork.class.isAssignableFrom(k));
    assertSame(c.classLoader(), k.getClassLoader());
    assertEquals(0xCAFEBABE, java.nio.ByteBuffer.wrap(c.classFiles().get("gen.mem.Scorer"))
        .getInt());
    assertThrows(IllegalArgumentException.class, () -> c.load("gen.mem.Nothing"));
  }

  @Test
  void compileErrorsAreReportedWithJavacDiagnostics() {
    JavaFile broken = JavaFile.builder("gen.mem", TypeSpec.classBuilder("Broken")
        .addMethod(MethodSpec.methodBuilder("f").returns(int.class)
            .addStatement("return undefinedName").build())
        .build()).build();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> InMemoryCompiler.compile(List.of(broken)));
    assertTrue(e.getMessage().contains("please report"), e.getMessage());
    assertTrue(e.getMessage().contains("Broken.java:5: error: cannot find symbol"),
        e.getMessage());
  }
}
