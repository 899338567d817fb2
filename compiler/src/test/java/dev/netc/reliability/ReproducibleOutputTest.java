package dev.netc.reliability;

import dev.netc.cli.CliRunner;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regenerating gives the same bytes: twice in one JVM, and on JDK 25 in a child JVM compared with
 * this JDK 17 run. The model holds numbers whose {@code Double.toString} differs between JDK 17
 * and JDK 19+ ({@code 2e23} was {@code 1.9999999999999998E23}) and non-ASCII names, which depend
 * on the default charset if anything forgets to say UTF-8.
 */
class ReproducibleOutputTest {
  /** Where the CI machine has a second JDK; the test is skipped where it does not. */
  static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

  static final String MODEL = """
      // Numbers that JDK 17 and JDK 25 print differently, names beyond ASCII.
      network Repro {
        input 3
        dense 5 leaky_relu(alpha = 2.82879384806159E17) as schicht_\u00e4
        dense 4 elu(alpha = 8.41e21)
        dense 2 softmax as \u51fa\u529b
        loss cross_entropy
        optimizer adam(lr = 2e23, beta1 = 0.9, eps = 1e23)
        init uniform(scale = 9.6e21, seed = -7)
      }
      network Twin {
        input 17
        dense 33 relu
        dense 1 sigmoid
        loss binary_cross_entropy(sum)
        optimizer sgd(lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 1e-5)
        precision double
      }
      network Third {
        input 40
        dense 40 leaky_relu(alpha = 4.8726570057E288)
        dense 1 identity
        loss mse
        optimizer sgd(lr = 1e23, momentum = 8.41e21, weight_decay = 2e23)
        init uniform(scale = 2e23)
      }
      """;

  @TempDir Path dir;

  @Test
  void twoRunsWriteTheSameBytes() throws IOException {
    Path model = model();
    Map<String, byte[]> first = generate(model, dir.resolve("a"));
    Map<String, byte[]> second = generate(model, dir.resolve("b"));
    assertEquals(List.of("com/example/Repro.java", "com/example/Third.java",
        "com/example/Twin.java"),
        new ArrayList<>(first.keySet()));
    assertSame(first, second);
    String java = new String(first.get("com/example/Repro.java"), StandardCharsets.UTF_8);
    assertTrue(java.contains("2.0E23"), "shortest decimal expected:\n" + java);
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void jdk25WritesTheSameBytesAsThisJdk(String backend) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(JDK25),
        "skipped: no JDK 25 at " + JDK25 + " to compare with");
    Path model = model();
    Map<String, byte[]> here = generate(model, dir.resolve("here"), "--backend", backend);
    Path there = dir.resolve("jdk25");
    ProcessBuilder pb = new ProcessBuilder(JDK25.toString(), "-cp",
        System.getProperty("java.class.path"), "dev.netc.cli.Netc", "generate",
        model.toString(), "-o", there.toString(), "-p", "com.example", "--backend", backend)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("jdk25.log").toFile());
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "JDK 25 run timed out");
    String log = Files.readString(dir.resolve("jdk25.log"));
    assertEquals(0, p.exitValue(), log);
    assertSame(here, files(there));
  }

  private Path model() throws IOException {
    Path model = dir.resolve("repro.net");
    Files.writeString(model, MODEL, StandardCharsets.UTF_8);
    return model;
  }

  private static Map<String, byte[]> generate(Path model, Path out, String... options)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("generate", model.toString(), "-o",
        out.toString(), "-p", "com.example"));
    args.addAll(List.of(options));
    CliRunner r = CliRunner.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r::toString);
    return files(out);
  }

  /** Every file under {@code root} by relative path, sorted. */
  private static Map<String, byte[]> files(Path root) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
      }
    }
    return files;
  }

  private static void assertSame(Map<String, byte[]> expected, Map<String, byte[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String name : expected.keySet()) {
      assertArrayEquals(expected.get(name), actual.get(name), name + " differs");
    }
  }
}
