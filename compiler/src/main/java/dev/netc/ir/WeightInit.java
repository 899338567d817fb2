package dev.netc.ir;

import dev.netc.runtime.Init;
import java.util.Objects;

/** How one layer's weights are initialized (biases start at zero); see {@link Init}. */
public record WeightInit(Init.Scheme scheme, double scale) {

  /** Validates that only {@code uniform} carries a scale, and that it is positive and finite. */
  public WeightInit {
    Objects.requireNonNull(scheme, "scheme");
    if (scheme == Init.Scheme.UNIFORM ? !(scale > 0) || Double.isInfinite(scale) : scale != 0) {
      throw new IllegalArgumentException("only uniform takes a scale, and it must be > 0");
    }
  }

  /** Canonical DSL text, e.g. {@code he} or {@code uniform(scale = 0.1)}. */
  public String describe() {
    return scheme == Init.Scheme.UNIFORM
        ? "uniform(scale = " + Decimals.of(scale) + ")"
        : scheme.name().toLowerCase(java.util.Locale.ROOT);
  }
}
