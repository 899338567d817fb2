package dev.netc.check;

import dev.netc.ast.Name;
import dev.netc.ast.Statement;
import dev.netc.ir.Activation;
import java.util.Optional;

/**
 * One layer statement as checked.
 *
 * @param number 1-based count among the layers of the same kind, for the default name
 * @param activation the activation when it is valid (identity for a kind without one)
 * @param spec the kind's values when all of them are valid
 */
record LayerInfo(
    Statement.Layer statement, int number, Optional<Activation> activation,
    Optional<LayerSpec> spec) {

  /** The layer's name: the one given with {@code as}, or the kind's prefix and number. */
  String name() {
    return statement.name().map(Name::text).orElse(defaultPrefix(statement) + number);
  }

  /** The prefix of a kind's default names: {@code dense1}, {@code conv1}, {@code maxpool1}… */
  static String defaultPrefix(Statement.Layer s) {
    return s instanceof Statement.Conv2d ? "conv" : s.keyword();
  }
}
