package dev.netc.ast;

import java.util.List;
import java.util.Optional;

/**
 * One {@code network NAME { ... }} block as written.
 *
 * @param name empty if the parser could not find one
 * @param damaged true if the parser repaired anything in the block; whole-network checks (order of
 *     statements, loss against output activation, size) are then skipped to avoid false alarms
 */
public record NetworkNode(
    Pos pos, Optional<Name> name, List<Statement> statements, boolean damaged) {

  /** Copies the statement list. */
  public NetworkNode {
    statements = List.copyOf(statements);
  }
}
