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

  /** A statement that adds a layer to the network; it may be named with {@code as NAME}. */
  sealed interface Layer extends Statement {
    /** The name given with {@code as}, if any. */
    Optional<Name> name();
  }

  /** {@code input N} (a vector) or {@code input CxHxW} (images); exactly one is present. */
  record Input(
      Pos pos, boolean damaged, Optional<Value.NumberValue> size, Optional<Dimensions> shape)
      implements Statement {
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
      Optional<Name> name) implements Layer {
    public String keyword() {
      return "dense";
    }
  }

  /**
   * {@code conv2d N KHxKW [(stride = S, padding = P)] ACTIVATION [(options)] [as NAME]}.
   *
   * @param options the layer's own options, if a parenthesis follows the kernel size
   */
  record Conv2d(
      Pos pos,
      boolean damaged,
      Optional<Value.NumberValue> channels,
      Optional<Dimensions> kernel,
      Optional<Call> options,
      Optional<Call> activation,
      Optional<Name> name) implements Layer {
    public String keyword() {
      return "conv2d";
    }
  }

  /**
   * {@code maxpool KHxKW [(stride = S)] [as NAME]} or the same with {@code avgpool}.
   *
   * @param keyword {@code maxpool} or {@code avgpool}
   */
  record Pool(
      Pos pos,
      boolean damaged,
      String keyword,
      Optional<Dimensions> window,
      Optional<Call> options,
      Optional<Name> name) implements Layer {}

  /** {@code flatten [as NAME]}. */
  record Flatten(Pos pos, boolean damaged, Optional<Name> name) implements Layer {
    public String keyword() {
      return "flatten";
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
