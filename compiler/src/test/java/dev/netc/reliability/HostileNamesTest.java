package dev.netc.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
import dev.netc.ir.Network;
import dev.netc.runtime.FloatNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Network and layer names chosen to break the generated Java: keywords, {@code java.lang} types,
 * Unicode look-alikes and invisible characters, and injection attempts. Each is either rejected
 * with a diagnostic at the right place or emitted as Java that compiles to exactly the expected
 * class and runs.
 */
class HostileNamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"class", "int", "_", "goto", "const", "enum", "assert", "strictfp",
      "this", "super", "true", "false", "null", "var", "yield", "record", "sealed", "permits",
      "when"})
  void keywordsLiteralsAndRestrictedIdentifiersAreRejectedAsNetworkAndLayerNames(String name) {
    String network = Generated.reject("network " + name + " { input 1 dense 1 relu }");
    assertTrue(network.contains("t.net:1:9: error: network name '" + name + "' is a "),
        network);
    String layer = Generated.reject("network N { input 1 dense 1 relu as " + name + " }");
    assertTrue(layer.contains("t.net:1:37: error: layer name '" + name + "' is a "), layer);
  }

  @ParameterizedTest
  @ValueSource(strings = {"String", "Object", "Math", "System", "Float", "Integer", "Override",
      "Thread", "Class", "Record", "FloatNetwork", "Init", "TensorSpec", "SplitMix64"})
  void typesTheGeneratedCodeUsesAreRejectedAsNetworkNames(String name) {
    String d = Generated.reject("network " + name + " { input 1 dense 1 relu }");
    assertTrue(d.contains("network name '" + name + "' would hide the Java type"), d);
  }

  /**
   * Other {@code java.lang} types (and words reserved only in module declarations) are legal
   * class names that generated code never refers to: accepted, and the generator must agree.
   */
  @ParameterizedTest
  @ValueSource(strings = {"ProcessBuilder", "Process", "Appendable", "ThreadLocal", "StackWalker",
      "Readable", "ClassValue", "module", "open", "exports", "requires", "transitive", "List",
      "Arrays", "Scheme"})
  void otherJavaLangTypesAndContextualKeywordsCompileAsNetworkNames(String name) {
    List<Network> nets = Generated.accept("t.net", "network " + name
        + " { input 2 dense 2 tanh dense 1 sigmoid loss binary_cross_entropy }");
    InMemoryCompiler.Compiled c = Generated.compile(nets);
    FloatNetwork net = (FloatNetwork) Generated.instance(c, name);
    float[] out = new float[1];
    net.predict(new float[] {1, -1}, out);
    assertTrue(out[0] > 0 && out[0] < 1, "sigmoid output " + out[0]);
  }

  /** Layer names become parts of field and method names; none may clash or break the build. */
  @Test
  void layerNamesThatShadowTypesMembersAndLocalsCompile() {
    String[] names = {"String", "Math", "Object", "System", "predict", "INPUT_SIZE", "x", "w",
        "xs", "copy", "hashCode", "forward", "hiddenWeight", "hidden", "Hidden", "module",
        "Float", "s0", "LAYOUT"};
    StringBuilder src = new StringBuilder("network Shadows { input 3");
    for (String n : names) {
      src.append(" dense 2 tanh as ").append(n);
    }
    src.append(" dense 1 identity as out loss mse optimizer adam }");
    List<Network> nets = Generated.accept("t.net", src.toString());
    FloatNetwork net = (FloatNetwork) Generated.instance(Generated.compile(nets), "Shadows");
    List<String> tensors = new ArrayList<>();
    net.parameterLayout().forEach(s -> tensors.add(s.name()));
    assertEquals("String.weight", tensors.get(0));
    assertEquals("out.bias", tensors.get(tensors.size() - 1));
  }

  /**
   * Look-alikes are different identifiers: Latin {@code Xor}, Cyrillic {@code Xоr} and fullwidth
   * {@code Ｘｏｒ} are three classes in one file, each compiling and running on its own.
   */
  @Test
  void lookAlikeNamesAreDistinctClassesThatCompile() {
    String cyrillic = "X\u043er";
    String fullwidth = "\uff38\uff4f\uff52";
    String bold = "\ud835\udc00i";
    List<Network> nets = Generated.accept("look.net", "network Xor { input 2 dense 1 sigmoid }\n"
        + "network " + cyrillic + " { input 2 dense 1 sigmoid as h\u0456dden }\n"
        + "network " + fullwidth + " { input 2 dense 1 sigmoid as \uff48 }\n"
        + "network " + bold + " { input 2 dense 1 sigmoid as \u0391lpha }\n");
    assertEquals(4, nets.size());
    InMemoryCompiler.Compiled c = Generated.compile(nets);
    assertNotEquals(c.load("hostile.Xor"), c.load("hostile." + cyrillic));
    FloatNetwork net = (FloatNetwork) Generated.instance(c, cyrillic);
    assertEquals("h\u0456dden.weight", net.parameterLayout().get(0).name());
    Generated.instance(c, fullwidth);
    Generated.instance(c, bold);
  }

  static Stream<Arguments> invisibleCharacters() {
    return Stream.of(
        Arguments.of("zero-width joiner", "X\u200dor", "\\u200d"),
        Arguments.of("zero-width space", "X\u200bor", "\\u200b"),
        Arguments.of("right-to-left override", "\u202eroX", "\\u202e"),
        Arguments.of("right-to-left mark", "Xor\u200f", "\\u200f"),
        Arguments.of("left-to-right isolate", "X\u2066or", "\\u2066"),
        Arguments.of("soft hyphen", "X\u00ador", "\\u00ad"),
        Arguments.of("no-break space", "X\u00a0or", "\\u00a0"),
        Arguments.of("nul", "X\u0000or", "\\u0000"));
  }

  /** Invisible and formatting characters are not name characters: the lexer reports them. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("invisibleCharacters")
  void invisibleCharactersInNamesAreRejectedAndQuotedVisibly(String what, String name,
      String shown) {
    String d = Generated.reject("network " + name + " { input 1 dense 1 relu }");
    String header = d.lines().findFirst().orElseThrow();
    assertTrue(header.startsWith("t.net:1:"), d);
    assertTrue(header.contains("unexpected character '" + shown + "'"), d);
    d = Generated.reject("network N { input 1 dense 1 relu as " + name + " }");
    assertTrue(d.lines().findFirst().orElseThrow().contains("unexpected character"), d);
  }

  static Stream<Arguments> injections() {
    return Stream.of(
        Arguments.of("network X\"y { input 1 dense 1 relu }", 10, "'\"'"),
        Arguments.of("network X*/y { input 1 dense 1 relu }", 10, "'*'"),
        Arguments.of("network X\\u000aclass { input 1 dense 1 relu }", 10, "'\\'"),
        Arguments.of("network N { input 1 dense 1 relu as a\\u0022b }", 38, "'\\'"),
        Arguments.of("network N { input 1 dense 1 relu as a'b }", 38, "'''"),
        Arguments.of("network N { input 1 dense 1 relu as a;b }", 38, "';'"),
        Arguments.of("network N { input 1 dense 1 relu as a.b }", 38, "'.'"));
  }

  /** Quotes, comment ends and backslash-u escapes cannot be part of a name. */
  @ParameterizedTest
  @MethodSource("injections")
  void injectionAttemptsInNamesAreRejectedWhereTheyStart(String source, int column,
      String quoted) {
    String d = Generated.reject(source);
    String first = d.lines().findFirst().orElseThrow();
    assertTrue(first.startsWith("t.net:1:" + column + ": error: "), d);
    assertTrue(first.contains(quoted) || d.contains(quoted), d);
  }

  /**
   * A {@code .net} comment may contain anything, including what javac would decode in a Java
   * comment ({@code \u000a}) or what would end one; .net comments are never copied into Java.
   */
  @Test
  void commentsInTheNetFileNeverReachTheGeneratedSource() {
    String src = "// \\u000a class Evil {}\nnetwork N /* class Evil { \\u002a/ */ {\n"
        + "  input 2 // */ @deprecated\n  dense 1 sigmoid\n}\n";
    List<Network> nets = Generated.accept("c.net", src);
    String java = JavaGenerator.generate(nets.get(0), Generated.PACKAGE).toString();
    assertFalse(java.contains("Evil"), java);
    assertFalse(java.contains("\\u"), java);
    assertFalse(java.contains("@deprecated"), java);
    Generated.compile(nets);
  }

  /**
   * {@code Café} written with one code point or two is the same file name on macOS: rejected like
   * names that differ only in case.
   */
  @Test
  void namesThatDifferOnlyInNormalizationAreRejected() {
    String d = Generated.reject("network Caf\u00e9 { input 1 dense 1 relu }\n"
        + "network Cafe\u0301 { input 1 dense 1 relu }\n");
    assertTrue(d.contains("t.net:2:9: error: network name 'Cafe\u0301' differs from "
        + "'Caf\u00e9' (line 1) only in Unicode normalization"), d);
    d = Generated.reject("network Xor { input 1 dense 1 relu }\n"
        + "network XOR { input 1 dense 1 relu }\n");
    assertTrue(d.contains("only in case"), d);
  }

  /**
   * Found by the structured fuzzer: a letter outside the BMP (two UTF-16 chars, one column) made
   * a "missing '}'" error point past the end of its line. Columns and carets count code points.
   */
  @Test
  void astralLettersCountAsOneColumn() {
    String d = Generated.reject("network \ud835\udc00 {\n  input 1 dense 1 relu as \ud835\udc01b");
    assertEquals("t.net:2:29: error: expected '}' to close network '\ud835\udc00' after "
        + "'\ud835\udc01b', found end of file\n"
        + "  " + "  input 1 dense 1 relu as \ud835\udc01b\n"
        + "  " + " ".repeat(28) + "^\n", d);
    d = Generated.reject("network \ud835\udc00x { input 1 dense 1 relu6 }");
    assertTrue(d.endsWith("  network \ud835\udc00x { input 1 dense 1 relu6 }\n"
        + "  " + " ".repeat(29) + "^^^^^\n"), d);
  }
}
