package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.testing.RandomNetworks;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.IntToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code netc check}: passes on every example and on wide random float networks (float summation
 * order is not a failure), and fails with exit 1 naming the tensor when a generated gradient is
 * wrong by more than rounding explains, in the float class or in its double twin.
 */
class CheckCommandTest {
  private static final Path EXAMPLES = Path.of("..", "examples");
  private static final Path FASHION = EXAMPLES.resolve("fashion.net");
  /**
   * Random networks checked after the 784×1024 one, cycling through widths 1–6, 1–300 and
   * 300–1024 ({@code -Dnetc.check.cases=N} for more; each costs two javac runs).
   */
  private static final int RANDOM_CASES = Integer.getInteger("netc.check.cases", 2);
  private static final RandomNetworks RANDOM =
      RandomNetworks.defaults().withPrecisions(Precision.FLOAT, Precision.DOUBLE);
  /** Generated instances by network and backend, shared by the injection tests (javac is slow). */
  private static final Map<List<Object>, Object> COMPILED = new ConcurrentHashMap<>();

  @Test
  void everyExamplePassesOnBothBackends() throws IOException {
    List<Path> examples;
    try (Stream<Path> files = Files.list(EXAMPLES)) {
      examples = files.filter(p -> p.toString().endsWith(".net")).sorted().toList();
    }
    assertTrue(examples.size() >= 2, examples::toString);
    for (Path example : examples) {
      for (String backend : List.of("scalar", "vector")) {
        CliRunner r = CliRunner.run("check", example.toString(), "--backend", backend);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("ok (tolerances"), r::toString);
        assertTrue(!r.out().contains("FAILED"), r::toString);
      }
    }
  }

  @Test
  void wideRandomFloatNetworksPass() {
    Network widest = Frontend.compile("wide.net", """
        network Wide {
          input 784
          dense 1024 relu
          dense 10 softmax
          loss cross_entropy
          optimizer sgd(lr = 0.01)
        }
        """).networks().get(0);
    assertPasses(widest, CodegenPolicy.Backend.VECTOR, 4);
    for (int c = 0; c < RANDOM_CASES; c++) {
      Random rnd = new Random(18_000 + c);
      RandomNetworks shapes = c % 3 == 0 ? RANDOM.withWidth(1, 6)
          : c % 3 == 1 ? RANDOM.withWidth(1, 300) : RANDOM.withWidth(300, 1024).withDepth(1, 3);
      Network net = shapes.network(rnd, "Random" + c);
      assertPasses(net, rnd.nextBoolean() ? CodegenPolicy.Backend.SCALAR
          : CodegenPolicy.Backend.VECTOR, 1 + rnd.nextInt(16));
    }
  }

  private static void assertPasses(Network net, CodegenPolicy.Backend backend, int batch) {
    StringWriter text = new StringWriter();
    GradientCheck check = new GradientCheck(net, Backends::instantiate, backend, batch, 1);
    GradientCheck.Result result = check.measure();
    List<String> failed = check.print(result, new PrintWriter(text, true));
    assertEquals(List.of(), failed, text::toString);
    if (RANDOM_CASES > 2) { // a survey: how close to its tolerance each network came
      System.out.printf(java.util.Locale.ROOT, "check survey: %s %s batch %d: %.3g%n",
          net.layers().stream().map(l -> l.inSize() + "-" + l.activation().keyword()).toList(),
          net.precision(), batch, check.worstShareOfTolerance(result));
    }
  }

  @Test
  void aFloatGradientOffByMoreThanRoundingFailsNamingTheTensor() {
    // 1e-3 of the tensor's largest entry: ten times what float rounding may cost here (9.3e-5).
    CliRunner r = CliRunner.runWith(perturbing(Precision.FLOAT, "hidden2.weight", 1e-3),
        "check", FASHION.toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().contains("gradient check failed for hidden2.weight (FashionMlp)"),
        r::toString);
    assertTrue(r.out().lines().anyMatch(l -> l.contains("hidden2.weight") && l.endsWith("FAILED")),
        r::toString);
    assertEquals(1, r.out().lines().filter(l -> l.endsWith("FAILED")).count(), r::toString);
  }

  @Test
  void aDoubleTwinGradientOffByOnePartInAMillionFails() {
    // The double twin runs the same generated formulas: it is held to N·2⁻⁵³, so a mistake far
    // below float resolution in one entry of one tensor is caught.
    CliRunner r = CliRunner.runWith(perturbing(Precision.DOUBLE, "logits.bias", 1e-6),
        "check", FASHION.toString());
    assertEquals(1, r.exitCode(), r::toString);
    assertTrue(r.err().contains("gradient check failed for logits.bias (FashionMlp)"),
        r::toString);
  }

  @Test
  void aFloatGradientWithinRoundingPasses() {
    // The same injection at a tenth of the float tolerance is indistinguishable from summation
    // order, and must not be reported.
    CliRunner r = CliRunner.runWith(perturbing(Precision.FLOAT, "hidden2.weight", 1e-5),
        "check", FASHION.toString());
    assertEquals(0, r.exitCode(), r::toString);
  }

  /**
   * A factory whose {@code check} command sees generated classes of {@code precision} with the
   * largest entry of {@code tensor}'s gradient off by {@code relative} of itself.
   */
  private static CommandLine.IFactory perturbing(Precision precision, String tensor,
      double relative) {
    BiFunction<Network, CodegenPolicy.Backend, Object> classes = (net, backend) -> {
      Object real = COMPILED.computeIfAbsent(List.of(net, backend),
          k -> Backends.instantiate(net, backend));
      if (net.precision() != precision) {
        return real;
      }
      TensorSpec t = net.parameterLayout().stream()
          .filter(s -> s.name().equals(tensor)).findFirst().orElseThrow();
      Class<?> type = precision == Precision.FLOAT
          ? TrainableFloatNetwork.class : TrainableDoubleNetwork.class;
      return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
          (proxy, method, args) -> {
            Object result;
            try {
              result = method.invoke(real, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
            if (method.getName().equals("gradient")) {
              perturbLargest(args[3], t, relative);
            }
            return result;
          });
    };
    return new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        return cls == CheckCommand.class ? cls.cast(new CheckCommand(classes))
            : CommandLine.defaultFactory().create(cls);
      }
    };
  }

  private static void perturbLargest(Object grad, TensorSpec t, double relative) {
    IntToDoubleFunction entry = grad instanceof float[] f ? i -> f[i] : i -> ((double[]) grad)[i];
    int at = t.offset();
    for (int i = t.offset(); i < t.offset() + t.size(); i++) {
      at = Math.abs(entry.applyAsDouble(i)) > Math.abs(entry.applyAsDouble(at)) ? i : at;
    }
    if (grad instanceof float[] f) {
      f[at] *= (float) (1 + relative);
    } else {
      ((double[]) grad)[at] *= 1 + relative;
    }
  }
}
