package dev.netc.ast;

import java.util.Optional;

/**
 * One statement of a network. Every statement knows its keyword position and whether the parser
 * had to repair it; the checker skips repaired statements so that one typo gives one message.
 */
public sealed interface Statement {

  /** The position of the statement's keyword. */
  Pos pos();

  /** True if the statement had a syntax error (its parts may be missing). */
  boolean damaged();

  /** The statement keyword, for messages. */
  String keyword();

  /** {@code input N}. */
  record Input(Pos pos, boolean damaged, Optional<Value.NumberValue> size) implements Statement {
    public String keyword() {
      return "input";
    }
  }

  /** {@code dense N ACTIVATION [as NAME]}. */
  record Dense(
      Pos pos,
      boolean damaged,
      Optional<Value.NumberValue> size,
      Optional<Call> activation,
      Optional<Name> name) implements Statement {
    public String keyword() {
      return "dense";
    }
  }

  /** {@code loss NAME[(options)]}. */
  record Loss(Pos pos, boolean damaged, Optional<Call> loss) implements Statement {
    public String keyword() {
      return "loss";
    }
  }

  /** {@code optimizer NAME[(options)]}. */
  record Optimizer(Pos pos, boolean damaged, Optional<Call> optimizer) implements Statement {
    public String keyword() {
      return "optimizer";
    }
  }

  /** {@code init [NAME][(options)]}. */
  record Init(Pos pos, boolean damaged, Optional<Call> init) implements Statement {
    public String keyword() {
      return "init";
    }
  }

  /** {@code precision float|double}. */
  record Precision(Pos pos, boolean damaged, Optional<Name> kind) implements Statement {
    public String keyword() {
      return "precision";
    }
  }
}
