package dev.netc.maven;

import dev.netc.diag.Diagnostic;
import java.util.List;
import java.util.Objects;

/**
 * Turns one {@code .net} source into Java sources: the front end plus the code generator behind one
 * method, so the incremental logic can be tested on its own.
 */
@FunctionalInterface
public interface NetCompiler {

  /**
   * Compiles {@code source}; never throws for a user mistake (those come back as diagnostics).
   *
   * @param fileName the name used in diagnostics and in the generated javadoc
   * @param packageName the Java package of the generated classes ({@code ""} for none)
   */
  Result compile(String fileName, String source, String packageName);

  /** Diagnostics in order and, when there is no error, one generated source per network. */
  record Result(List<Diagnostic> diagnostics, List<Source> sources) {
    /** Copies the lists. */
    public Result {
      diagnostics = List.copyOf(diagnostics);
      sources = List.copyOf(sources);
    }

    /** Whether any diagnostic is an error. */
    public boolean hasErrors() {
      return diagnostics.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }
  }

  /**
   * One generated Java file.
   *
   * @param relativePath where it goes under the output directory, e.g. {@code com/acme/Xor.java}
   * @param content the whole file
   */
  record Source(String relativePath, String content) {
    /** Validates the parts. */
    public Source {
      Objects.requireNonNull(relativePath, "relativePath");
      Objects.requireNonNull(content, "content");
    }
  }
}
