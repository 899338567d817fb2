package dev.netc.front;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.diag.Diagnostic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every bad file carries {@code // expect error: TEXT} comments on the lines that must be
 * reported. Each expected error must be reported on its line with a message containing TEXT, and
 * every reported error must be expected.
 */
class BadFilesTest {
  private static final String MARK = "// expect error:";

  record Expected(int line, String text) {}

  @Test
  void corpusIsLargeEnough() {
    assertTrue(Corpus.files("bad").size() >= 45, "at least 45 bad files");
  }

  @TestFactory
  Stream<DynamicTest> badFilesReportExactlyTheExpectedErrors() {
    return Corpus.files("bad").stream().map(p -> DynamicTest.dynamicTest(Corpus.stem(p),
        () -> check(p)));
  }

  private static void check(Path file) {
    String source = Corpus.read(file);
    List<Expected> expected = expectations(source);
    assertFalse(expected.isEmpty(), "no '" + MARK + "' in " + file);
    FrontendResult r = Frontend.compile(file.getFileName().toString(), source);
    String rendered = r.renderDiagnostics();
    assertTrue(r.hasErrors(), "no error reported");
    assertTrue(r.networks().isEmpty(), "networks returned despite errors");
    List<String> problems = new ArrayList<>();
    for (Expected e : expected) {
      boolean found = r.diagnostics().stream()
          .anyMatch(d -> d.line() == e.line() && d.message().contains(e.text()));
      if (!found) {
        problems.add("missing on line " + e.line() + ": " + e.text());
      }
    }
    for (Diagnostic d : r.diagnostics()) {
      boolean wanted = expected.stream()
          .anyMatch(e -> d.line() == e.line() && d.message().contains(e.text()));
      if (!wanted) {
        problems.add("unexpected: " + d.header());
      }
    }
    if (!problems.isEmpty()) {
      fail(String.join("\n", problems) + "\n--- reported:\n" + rendered);
    }
  }

  /** The expectations of a file: every {@code // expect error:} comment and its line. */
  static List<Expected> expectations(String source) {
    List<Expected> out = new ArrayList<>();
    String[] lines = source.split("\r\n|\r|\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int at = line.indexOf(MARK);
      while (at >= 0) {
        int next = line.indexOf(MARK, at + MARK.length());
        String text = (next < 0 ? line.substring(at + MARK.length())
            : line.substring(at + MARK.length(), next)).trim();
        out.add(new Expected(i + 1, text));
        at = next;
      }
    }
    return out;
  }
}
