package dev.netc.ast;

import java.util.List;
import java.util.Optional;

/**
 * A named thing with options, e.g. {@code leaky_relu(alpha = 0.1)} or {@code sgd(lr = 0.1)}. The
 * name is empty only for {@code init (seed = 1)}, which keeps the default schemes.
 *
 * @param pos the name, or the opening parenthesis when there is no name
 */
public record Call(Optional<Name> name, List<Arg> args, Pos pos) {

  /** Copies the argument list. */
  public Call {
    args = List.copyOf(args);
  }
}
