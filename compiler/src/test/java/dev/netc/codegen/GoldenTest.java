package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.Version;
import dev.netc.ir.Network;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated source of three small networks, compared with
 * {@code src/test/resources/codegen/golden/NAME.java}. After an intended change, rewrite the files
 * with {@code -Dnetc.updateGolden=true} and review the diff. The compiler version in the javadoc
 * is stored as {@code VERSION} so that a release does not invalidate the files.
 */
class GoldenTest {
  private static final Path DIR = Path.of("src/test/resources/codegen/golden");
  private static final String PACKAGE = "golden";

  static Stream<Arguments> networks() {
    CodegenPolicy scalar = CodegenPolicy.defaults();
    CodegenPolicy vector = scalar.withBackend(CodegenPolicy.Backend.VECTOR);
    return Stream.of(Arguments.of(SampleNetworks.xor(), scalar),
        Arguments.of(SampleNetworks.iris(), scalar),
        Arguments.of(SampleNetworks.regression(), scalar),
        Arguments.of(SampleNetworks.regression(), vector));
  }

  private static String fileName(Network network, CodegenPolicy policy) {
    return network.name()
        + (policy.backend() == CodegenPolicy.Backend.VECTOR ? ".vector" : "") + ".java";
  }

  @ParameterizedTest
  @MethodSource("networks")
  void sourceMatchesGoldenFile(Network network, CodegenPolicy policy) throws IOException {
    String source = normalized(JavaGenerator.generate(network, PACKAGE, policy));
    Path file = DIR.resolve(fileName(network, policy));
    if (Boolean.getBoolean("netc.updateGolden")) {
      Files.createDirectories(DIR);
      Files.writeString(file, source, StandardCharsets.UTF_8);
      return;
    }
    assertTrue(Files.exists(file), file + " is missing; run with -Dnetc.updateGolden=true");
    assertEquals(Files.readString(file, StandardCharsets.UTF_8), source,
        "generated source of " + network.name() + " changed; if intended, rerun with "
            + "-Dnetc.updateGolden=true and review the diff");
  }

  @ParameterizedTest
  @MethodSource("networks")
  void regenerationIsByteIdentical(Network network, CodegenPolicy policy) {
    byte[] first = JavaGenerator.generate(network, PACKAGE, policy).toString()
        .getBytes(StandardCharsets.UTF_8);
    byte[] second = JavaGenerator.generate(network, PACKAGE, policy).toString()
        .getBytes(StandardCharsets.UTF_8);
    assertTrue(java.util.Arrays.equals(first, second));
  }

  @ParameterizedTest
  @MethodSource("networks")
  void goldenSourceCompilesWithoutWarnings(Network network, CodegenPolicy policy) {
    JavaFile file = JavaGenerator.generate(network, PACKAGE, policy);
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(List.of(file));
    assertEquals(List.of(), c.warnings());
    assertTrue(c.classFiles().containsKey(PACKAGE + "." + network.name()));
  }

  private static String normalized(JavaFile file) {
    return file.toString().replace("netc " + Version.get() + " from", "netc VERSION from");
  }
}
