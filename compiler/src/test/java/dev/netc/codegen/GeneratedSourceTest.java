package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.ir.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        SampleNetworks.regression(), SampleNetworks.inferenceOnly(), SampleNetworks.largeDense());
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

  /**
   * The vector tiles carry no binary lanewise operation ({@code add}, {@code mul}, …): each one
   * C2 inlines brings class-check traps recorded in the Vector API's shared code, and past JDK
   * 17's per-compilation limit the tile's stores box (see {@code VectorTiles.initAccumulators}).
   */
  @Test
  void vectorTilesHaveNoBinaryLanewiseOperations() {
    List<String> problems = new ArrayList<>();
    Pattern tile = Pattern.compile("private (?:static )?void (\\w*Tile\\w*)\\(");
    Pattern binary = Pattern.compile("(?<!Math)\\.(add|sub|mul|div|min|max|lanewise)\\(");
    int tiles = 0;
    for (Network n : List.of(SampleNetworks.regression(), SampleNetworks.iris(),
        SampleNetworks.cnn(), SampleNetworks.validCnn())) {
      for (CodegenPolicy policy : List.of(CodegenPolicy.defaults(),
          CodegenPolicy.alwaysLooped())) {
        String source = JavaGenerator.generate(n, "gen.tiles",
            policy.withBackend(CodegenPolicy.Backend.VECTOR)).toString();
        Matcher m = tile.matcher(source);
        while (m.find()) {
          tiles++;
          int open = source.indexOf('{', m.end());
          int depth = 0;
          int at = open;
          do {
            char ch = source.charAt(at++);
            depth += ch == '{' ? 1 : ch == '}' ? -1 : 0;
          } while (depth > 0);
          Matcher op = binary.matcher(source.substring(open, at));
          if (op.find()) {
            problems.add(n.name() + "." + m.group(1) + " calls " + op.group(1));
          }
        }
      }
    }
    assertTrue(tiles > 20, "found only " + tiles + " tiles");
    assertEquals(List.of(), problems);
  }

  /**
   * The vector backend's input delta of a stride-1 convolution is the flipped-kernel convolution
   * of the zero-bordered δ (no dcol, no col2im); a strided one keeps im2col's transpose. The
   * property tests check both against the interpreter; this pins which one each layer gets.
   */
  @Test
  void strideOneConvolutionsPropagateThroughTheFlippedKernels() {
    String valid = JavaGenerator.generate(SampleNetworks.validCnn(), "gen.flip",
        CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)).toString();
    assertTrue(valid.contains("conv2DeltaBorder"), "stride 1: the bordered delta");
    assertFalse(valid.contains("conv2Dcol"), "stride 1: no dcol");
    String strided = JavaGenerator.generate(SampleNetworks.cnn(), "gen.flip",
        CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)).toString();
    assertTrue(strided.contains("conv2Dcol"), "stride 2: dcol and col2im");
    assertFalse(strided.contains("conv2DeltaBorder"), "stride 2: no bordered delta");
  }

  @Test
  void flippedDeltaTilesSkipBorderRowsOnlyWhereManyAre() {
    // validCnn's conv2: 4 input rows, 3 x 3, no padding: 6 of its 12 (row, ki) pairs read only
    // the zero border, so its tiles run a range of window rows.
    String valid = JavaGenerator.generate(SampleNetworks.validCnn(), "gen.flip",
        CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)).toString();
    assertTrue(valid.contains("int kkLo = Math.min(2, Math.max(0, p / 20 - 1)) * 3;"), valid);
    // 14 rows, 3 x 3, padding 1 (the Small CNN's conv2): 2 of 42, so the whole window.
    String same = JavaGenerator.generate(dev.netc.Frontend.compile("same.net", """
        network Same {
          input 2x14x14
          conv2d 3 3x3 (padding = same) relu
          conv2d 4 3x3 (padding = same) relu
          dense 3 softmax
          loss cross_entropy
          optimizer sgd(lr = 0.01)
        }
        """).networks().get(0), "gen.flip",
        CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)).toString();
    assertTrue(same.contains("conv2DeltaBorder"), "stride 1: the bordered delta");
    assertFalse(same.contains("kkLo"), "every window row is read somewhere");
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
