package dev.netc.ast;

import java.util.List;
import java.util.Objects;

/**
 * Sizes written with {@code x}, e.g. {@code 1x28x28} or {@code 3x5}, exactly as written (a leading
 * sign included); the checker decides how many parts it needs and whether they are in range.
 */
public record Dimensions(String text, Pos pos) {

  /** Validates non-null parts. */
  public Dimensions {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(pos, "pos");
  }

  /** The parts between the {@code x}s, the sign kept on the first, e.g. {@code [-3, 3]}. */
  public List<String> parts() {
    return List.of(text.split("x", -1));
  }
}
