package dev.netc.spark;

import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;

/**
 * A network that throws from {@code gradient} once, in the first attempt of a task of partition
 * {@link #PARTITION} on its {@link #CALL}-th call there, and otherwise is the network it wraps.
 * The counter is static: local mode runs the tasks in the test's JVM.
 */
final class FailingOnce implements TrainableFloatNetwork {
  static final int PARTITION = 1;
  static final int CALL = 3;
  static final AtomicInteger CALLS = new AtomicInteger();
  static final AtomicInteger FAILURES = new AtomicInteger();

  private final TrainableFloatNetwork net;

  FailingOnce(TrainableFloatNetwork net) {
    this.net = net;
  }

  @Override
  public float gradient(float[] xs, float[] targets, int batchSize, float[] grad) {
    TaskContext task = TaskContext.get();
    if (task.partitionId() == PARTITION && task.attemptNumber() == 0
        && CALLS.incrementAndGet() == CALL) {
      FAILURES.incrementAndGet();
      throw new IllegalStateException("injected failure");
    }
    return net.gradient(xs, targets, batchSize, grad);
  }

  @Override
  public int targetWidth() {
    return net.targetWidth();
  }

  @Override
  public float loss(float[] xs, float[] targets, int batchSize) {
    return net.loss(xs, targets, batchSize);
  }

  @Override
  public float trainBatch(float[] xs, float[] targets, int batchSize) {
    return net.trainBatch(xs, targets, batchSize);
  }

  @Override
  public float accumulateGradient(float[] xs, float[] targets, int batchSize, float[] grad) {
    return net.accumulateGradient(xs, targets, batchSize, grad);
  }

  @Override
  public void optimizerStep(float[] grad) {
    net.optimizerStep(grad);
  }

  @Override
  public TrainableFloatNetwork copy() {
    return new FailingOnce(net.copy());
  }

  @Override
  public void resetOptimizer() {
    net.resetOptimizer();
  }

  @Override
  public double learningRate() {
    return net.learningRate();
  }

  @Override
  public void setLearningRate(double lr) {
    net.setLearningRate(lr);
  }

  @Override
  public List<TensorSpec> optimizerStateLayout() {
    return net.optimizerStateLayout();
  }

  @Override
  public void getOptimizerState(float[] state) {
    net.getOptimizerState(state);
  }

  @Override
  public void setOptimizerState(float[] state) {
    net.setOptimizerState(state);
  }

  @Override
  public long optimizerStepCount() {
    return net.optimizerStepCount();
  }

  @Override
  public void setOptimizerStepCount(long steps) {
    net.setOptimizerStepCount(steps);
  }

  @Override
  public int inputSize() {
    return net.inputSize();
  }

  @Override
  public int outputSize() {
    return net.outputSize();
  }

  @Override
  public int parameterCount() {
    return net.parameterCount();
  }

  @Override
  public List<TensorSpec> parameterLayout() {
    return net.parameterLayout();
  }

  @Override
  public void getParameters(float[] dst) {
    net.getParameters(dst);
  }

  @Override
  public void setParameters(float[] src) {
    net.setParameters(src);
  }

  @Override
  public void predict(float[] x, float[] out) {
    net.predict(x, out);
  }

  @Override
  public void predictBatch(float[] xs, float[] out, int batchSize) {
    net.predictBatch(xs, out, batchSize);
  }
}
