package dev.netc;

import dev.netc.diag.Diagnostic;
import dev.netc.ir.Network;
import java.util.List;
import java.util.Objects;

/**
 * What the front end made of one file: the checked networks (only when there is no error) and
 * every diagnostic, sorted by position.
 */
public record FrontendResult(
    String fileName, String source, List<Network> networks, List<Diagnostic> diagnostics) {

  /** Copies the lists. */
  public FrontendResult {
    Objects.requireNonNull(fileName, "fileName");
    Objects.requireNonNull(source, "source");
    networks = List.copyOf(networks);
    diagnostics = List.copyOf(diagnostics);
  }

  /** True if any diagnostic is an error. */
  public boolean hasErrors() {
    return diagnostics.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
  }

  /** Every diagnostic rendered with its source line and caret, in order, one after another. */
  public String renderDiagnostics() {
    StringBuilder sb = new StringBuilder();
    for (Diagnostic d : diagnostics) {
      sb.append(d.render(source)).append('\n');
    }
    return sb.toString();
  }
}
