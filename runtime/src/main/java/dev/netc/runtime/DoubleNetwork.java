package dev.netc.runtime;

import java.util.List;

/**
 * What every generated {@code precision double} network offers for inference. Instances are not
 * thread-safe: they own their scratch buffers. Use one instance per thread ({@code copy()}).
 */
public interface DoubleNetwork {

  /** Number of inputs of one example. */
  int inputSize();

  /** Number of outputs of one example. */
  int outputSize();

  /** Number of trainable parameters (weights and biases of all layers). */
  int parameterCount();

  /** The flat parameter layout: {@code NAME.weight} [out, in] then {@code NAME.bias} [out], per layer. */
  List<TensorSpec> parameterLayout();

  /** Copies all parameters, in {@link #parameterLayout()} order, into {@code dst}. */
  void getParameters(double[] dst);

  /** Replaces all parameters with {@code src}, in {@link #parameterLayout()} order. */
  void setParameters(double[] src);

  /** Forward pass of one example; writes {@link #outputSize()} values to {@code out}. No allocation. */
  void predict(double[] x, double[] out);

  /** Forward pass of {@code batchSize} examples stored row-major in {@code xs}; rows of {@code out}. */
  void predictBatch(double[] xs, double[] out, int batchSize);
}
