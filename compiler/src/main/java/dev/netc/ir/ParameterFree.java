package dev.netc.ir;

import dev.netc.runtime.Init;
import dev.netc.runtime.TensorSpec;
import java.util.List;

/**
 * A layer without parameters or activation that only rearranges or reduces its input: pooling
 * and flatten. It has no weights to initialize and no tensors in the parameter layout.
 */
public sealed interface ParameterFree extends Layer permits MaxPool2d, AvgPool2d, Flatten {

  /** What {@link #init()} returns: a placeholder, as there are no weights to draw. */
  WeightInit NO_WEIGHTS = new WeightInit(Init.Scheme.XAVIER, 0);

  @Override
  default Activation activation() {
    return new Activation.Identity();
  }

  @Override
  default WeightInit init() {
    return NO_WEIGHTS;
  }

  @Override
  default List<TensorSpec> parameters(int offset) {
    return List.of();
  }

  /** None: pools compare or add, a flatten copies. */
  @Override
  default long multiplyAdds() {
    return 0;
  }

  @Override
  default int weightCount() {
    return 0;
  }

  @Override
  default int parameterCount() {
    return 0;
  }

  @Override
  default int fanIn() {
    return 0;
  }

  @Override
  default int fanOut() {
    return 0;
  }
}
