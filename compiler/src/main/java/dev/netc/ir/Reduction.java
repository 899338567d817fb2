package dev.netc.ir;

/** How per-element losses are combined over a mini-batch, as PyTorch's {@code reduction}. */
public enum Reduction {
  /** Average (the default, as in PyTorch). */
  MEAN,
  /** Plain sum. */
  SUM;

  /** The DSL keyword. */
  public String keyword() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
