package dev.netc.ast;

import java.util.Objects;

/** A word the user wrote (a name, a keyword-like value) and where. */
public record Name(String text, Pos pos) {

  /** Validates non-null parts. */
  public Name {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(pos, "pos");
  }
}
