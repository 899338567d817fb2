package dev.netc.ast;

import java.util.Optional;

/**
 * One option inside parentheses: {@code name = value}, or a bare value that stands for the
 * callee's first option (e.g. {@code uniform(0.1)}).
 */
public record Arg(Optional<Name> key, Value value, Pos pos) {}
