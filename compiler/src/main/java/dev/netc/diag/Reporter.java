package dev.netc.diag;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects the diagnostics of one file so that every stage can record an error and carry on; the
 * caller decides between stages whether to stop (AutoValue's ErrorReporter does the same).
 */
public final class Reporter {
  private final String file;
  private final List<Diagnostic> diagnostics = new ArrayList<>();

  /** A reporter for {@code file}, the name used in every message. */
  public Reporter(String file) {
    this.file = file;
  }

  /** The file name used in messages. */
  public String file() {
    return file;
  }

  /** Records an error at a 1-based line and column, underlining {@code length} characters. */
  public void error(int line, int column, int length, String message) {
    diagnostics.add(new Diagnostic(Diagnostic.Severity.ERROR, file, Math.max(1, line),
        Math.max(1, column), length, message));
  }

  /** True if any error was recorded. */
  public boolean hasErrors() {
    return diagnostics.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
  }

  /** The diagnostics sorted by position; the sort is stable, so same-place messages keep order. */
  public List<Diagnostic> sorted() {
    List<Diagnostic> copy = new ArrayList<>(diagnostics);
    copy.sort(Comparator.comparingInt(Diagnostic::line).thenComparingInt(Diagnostic::column));
    return List.copyOf(copy);
  }
}
