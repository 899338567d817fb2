package dev.netc.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The layout of an optimizer's state tensors, named as torch's optimizer state dict names them:
 * for each parameter tensor, in order, one tensor per buffer ({@code NAME.momentum_buffer}, or
 * {@code NAME.exp_avg} then {@code NAME.exp_avg_sq}), each shaped like its parameter.
 */
public final class OptimizerLayout {
  /** The buffer of SGD with momentum. */
  public static final String MOMENTUM_BUFFER = "momentum_buffer";

  /** Adam's first moment. */
  public static final String EXP_AVG = "exp_avg";

  /** Adam's second moment. */
  public static final String EXP_AVG_SQ = "exp_avg_sq";

  private OptimizerLayout() {}

  /** The state layout for {@code parameters} with {@code buffers} per parameter tensor. */
  public static List<TensorSpec> of(List<TensorSpec> parameters, String... buffers) {
    List<TensorSpec> specs = new ArrayList<>();
    int offset = 0;
    for (TensorSpec p : parameters) {
      for (String buffer : buffers) {
        specs.add(new TensorSpec(p.name() + "." + buffer, p.shape(), offset));
        offset = Math.addExact(offset, p.size());
      }
    }
    return List.copyOf(specs);
  }

  /** The total number of elements of a layout. */
  public static int size(List<TensorSpec> layout) {
    int n = 0;
    for (TensorSpec s : layout) {
      n = Math.addExact(n, s.size());
    }
    return n;
  }
}
