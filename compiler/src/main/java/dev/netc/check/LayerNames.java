package dev.netc.check;

import dev.netc.ast.Name;
import dev.netc.ast.Pos;
import dev.netc.diag.Reporter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Checks the layer names of one network: valid Java identifiers, no two alike. */
final class LayerNames {
  private LayerNames() {}

  /** Reports invalid and duplicate names, counting the default names {@code denseN} too. */
  static void check(List<LayerInfo> layers, Reporter reporter) {
    Map<String, LayerInfo> seen = new HashMap<>();
    for (LayerInfo l : layers) {
      Optional<Name> explicit = l.statement().name();
      if (l.statement().damaged()) {
        continue;
      }
      if (explicit.isPresent()) {
        Optional<String> problem = Names.identifierProblem(explicit.get().text());
        if (problem.isPresent()) {
          error(reporter, explicit.get().pos(),
              "layer name '" + explicit.get().text() + "' " + problem.get());
          continue;
        }
      }
      LayerInfo first = seen.putIfAbsent(l.name(), l);
      if (first == null) {
        continue;
      }
      int firstLine = first.statement().pos().line();
      if (explicit.isEmpty()) {
        error(reporter, l.statement().pos(), "layer " + l.number() + " gets the default name '"
            + l.name() + "', which is already used on line " + firstLine
            + "; name one of them with 'as'");
      } else if (first.statement().name().isEmpty()) {
        error(reporter, explicit.get().pos(), "layer name '" + l.name()
            + "' is already the default name of layer " + first.number() + " on line "
            + firstLine);
      } else {
        error(reporter, explicit.get().pos(), "duplicate layer name '" + l.name()
            + "'; the first is on line " + firstLine);
      }
    }
  }

  private static void error(Reporter reporter, Pos p, String message) {
    reporter.error(p.line(), p.column(), p.length(), message);
  }
}
