package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.Frontend;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.KernelPlan;
import dev.netc.ir.Network;
import dev.netc.testing.RandomNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The class cache's recipe is written by {@link RecordText}: it must say everything the records
 * hold (here: what their generated {@code toString} says), or a cached class could be found for a
 * network it was not made for.
 */
class RecordTextTest {
  private record Inner(double rate, Optional<String> name) {}

  private record Outer(String s, List<Inner> inners, Map<String, Integer> sizes,
      Optional<Outer> next, CodegenPolicy.Backend backend) {}

  private record Terse(double rate, String name) {
    @Override
    public String toString() {
      return "Terse(" + rate + ")";
    }
  }

  @Test
  void writesWhatToStringWrites() {
    Outer leaf = new Outer("leaf", List.of(), Map.of(), Optional.empty(), null);
    Outer root = new Outer("root", List.of(new Inner(0.1, Optional.of("x"))),
        Map.of("a", 1), Optional.of(leaf), CodegenPolicy.Backend.VECTOR);
    assertEquals(root.toString(), RecordText.of(root));
    // A hand-written toString that leaves a component out does not hide it.
    assertEquals("Terse[rate=0.5, name=n]", RecordText.of(new Terse(0.5, "n")));
    assertEquals("KernelPlan[shape=PREFERRED, chunk=0]", RecordText.of(KernelPlan.PREFERRED));
    for (CodegenPolicy.Backend b : CodegenPolicy.Backend.values()) {
      CodegenPolicy policy = CodegenPolicy.defaults().withBackend(b);
      // The plan writes its own short toString; RecordText writes its components.
      assertEquals(policy.toString().replace("plan=" + policy.plan(),
          "plan=" + RecordText.of(policy.plan())), RecordText.of(policy));
    }
  }

  @Test
  void writesEveryBundledAndRandomNetworkAsToStringDoes() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("..", "examples"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".net")).toList()) {
        for (Network net : Frontend.compile(file.toString(), Files.readString(file)).networks()) {
          assertEquals(net.toString(), RecordText.of(net), file::toString);
        }
      }
    }
    Random rnd = new Random(20261206);
    RandomNetworks shapes = RandomNetworks.defaults();
    for (int i = 0; i < 200; i++) {
      Network mlp = shapes.network(rnd, "Mlp" + i);
      assertEquals(mlp.toString(), RecordText.of(mlp));
      Network cnn = shapes.cnn(rnd, "Cnn" + i, 1_000_000);
      assertEquals(cnn.toString(), RecordText.of(cnn));
    }
  }
}
