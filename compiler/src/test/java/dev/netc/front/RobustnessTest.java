package dev.netc.front;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.diag.Diagnostic;
import dev.netc.ir.IrPrinter;
import dev.netc.ir.Network;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No input gives an exception: the whole corpus, then seeded random mutations of it (characters and
 * tokens deleted, inserted, replaced). Every diagnostic must point inside the file.
 */
class RobustnessTest {
  private static final String[] CHARS = {"{", "}", "(", ")", "=", ",", "-", "+", ".", "e", "0",
      "7", "x", "_", "$", " ", "\n", "\r", "\t", "/", "*", "/*", "*/", "//", "#", ";", "\"", "é",
      "²", "\u0000", "\uFEFF", "\uD83D\uDE00", "\u200B"};
  private static final String[] TOKENS = {"network", "input", "dense", "as", "loss", "optimizer",
      "init", "precision", "relu", "softmax", "sigmoid", "cross_entropy", "mse", "sgd", "adam",
      "uniform", "he", "seed", "lr", "alpha", "true", "class", "String", "0", "-1", "2.5",
      "65537", "1e999", "1e-999", "99999999999999999999", "(", ")", "{", "}", "=", ","};
  private static final int MUTANTS_PER_GOOD_FILE = 300;
  private static final int MUTANTS_PER_BAD_FILE = 15;

  @Test
  void corpusNeverThrows() {
    for (Path p : Stream.concat(Corpus.files("good").stream(), Corpus.files("bad").stream())
        .toList()) {
      String source = Corpus.read(p);
      FrontendResult r = assertDoesNotThrow(() -> Frontend.compile(p.toString(), source),
          p.toString());
      checkPositions(source, r);
    }
  }

  @Test
  void randomMutationsNeverThrowAndStayInsideTheFile() {
    Random random = new Random(20240601L);
    int compiled = 0;
    int clean = 0;
    for (Path p : Corpus.files("good")) {
      clean += mutate(Corpus.read(p), MUTANTS_PER_GOOD_FILE, random);
      compiled += MUTANTS_PER_GOOD_FILE;
    }
    for (Path p : Corpus.files("bad")) {
      mutate(Corpus.read(p), MUTANTS_PER_BAD_FILE, random);
      compiled += MUTANTS_PER_BAD_FILE;
    }
    assertTrue(compiled > 2000, "compiled " + compiled);
    // Some mutations keep a file valid (e.g. an extra space); they must still lower cleanly.
    assertTrue(clean > 0, "no mutant compiled cleanly");
  }

  @Test
  void edgeInputs() {
    for (String s : List.of("", " ", "\n\n", "network", "network A", "network A {", "}",
        "network A { input", "/*", "/* */", "//", "\uFEFFnetwork A { input 1 dense 1 relu }",
        "network A { input 1 dense 1 relu }\r\rnetwork B {", "network A {\r input 0 }")) {
      FrontendResult r = assertDoesNotThrow(() -> Frontend.compile("edge.net", s), s);
      checkPositions(s, r);
    }
  }

  @Test
  void emptyFileIsAnError() {
    FrontendResult r = Frontend.compile("empty.net", "// nothing here\n");
    assertTrue(r.hasErrors());
    assertEquals(1, r.diagnostics().size());
    assertTrue(r.diagnostics().get(0).message().contains("no network"), r.renderDiagnostics());
  }

  /** Compiles {@code n} mutants of {@code source}; returns how many had no error. */
  private static int mutate(String source, int n, Random random) {
    int clean = 0;
    for (int i = 0; i < n; i++) {
      String mutant = source;
      int edits = 1 + random.nextInt(3);
      for (int k = 0; k < edits; k++) {
        mutant = edit(mutant, random);
      }
      String text = mutant;
      FrontendResult r;
      try {
        r = Frontend.compile("mutant.net", text);
      } catch (RuntimeException | StackOverflowError e) {
        throw new AssertionError("exception for input:\n" + text, e);
      }
      checkPositions(text, r);
      if (!r.hasErrors()) {
        clean++;
        assertFalse(r.networks().isEmpty(), text);
        for (Network net : r.networks()) {
          assertFalse(IrPrinter.print(net).isEmpty());
        }
      }
    }
    return clean;
  }

  private static String edit(String s, Random random) {
    int at = s.isEmpty() ? 0 : random.nextInt(s.length() + 1);
    switch (random.nextInt(6)) {
      case 0: // delete a few characters
        int end = Math.min(s.length(), at + 1 + random.nextInt(4));
        return at >= s.length() ? s : s.substring(0, at) + s.substring(end);
      case 1: // insert a character
        return s.substring(0, at) + CHARS[random.nextInt(CHARS.length)] + s.substring(at);
      case 2: // replace a character
        return at >= s.length() ? s
            : s.substring(0, at) + CHARS[random.nextInt(CHARS.length)] + s.substring(at + 1);
      case 3: // insert a token
        return s.substring(0, at) + " " + TOKENS[random.nextInt(TOKENS.length)] + " "
            + s.substring(at);
      case 4: // delete a whitespace-separated word
        List<String> words = new ArrayList<>(List.of(s.split(" ", -1)));
        if (words.size() > 1) {
          words.remove(random.nextInt(words.size()));
        }
        return String.join(" ", words);
      default: // truncate
        return s.substring(0, at);
    }
  }

  /** Every diagnostic lies inside the file and renders. */
  private static void checkPositions(String source, FrontendResult r) {
    String[] lines = source.split("\r\n|\r|\n", -1);
    for (Diagnostic d : r.diagnostics()) {
      if (d.line() > lines.length || d.column() > lines[d.line() - 1].length() + 1) {
        fail("diagnostic outside the file: " + d.header() + "\nin:\n" + source);
      }
      assertFalse(d.message().isEmpty());
      assertFalse(d.message().endsWith("."), d.message());
    }
    assertDoesNotThrow(r::renderDiagnostics);
  }
}
