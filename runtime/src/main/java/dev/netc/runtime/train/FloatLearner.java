package dev.netc.runtime.train;

import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.OptimizerLayout;
import dev.netc.runtime.ParallelFloatTrainer;
import dev.netc.runtime.ParallelTrainer;
import dev.netc.runtime.StepTeam;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.SafetensorsException;
import dev.netc.runtime.io.Tensor;
import dev.netc.runtime.io.Weights;
import java.util.List;
import java.util.Map;

/** A {@link Learner} over a {@link TrainableFloatNetwork}. */
final class FloatLearner extends Learner {
  private final FloatNetwork net;
  private ParallelFloatTrainer trainer;
  private StepTeam team;
  private final ShuffledRows rows = new ShuffledRows();
  private float[] xs = new float[0];
  private float[] ts = new float[0];
  private float[] out = new float[0];

  FloatLearner(FloatNetwork net, LossReduction reduction) {
    super(reduction);
    this.net = net;
  }

  /** The network as trainable, or an error for a predictor over a network without a loss. */
  private TrainableFloatNetwork trainable() {
    if (net instanceof TrainableFloatNetwork t) {
      return t;
    }
    throw new IllegalStateException("the network has no loss: it can predict, not train");
  }

  @Override
  public Dataset.Type dataType() {
    return Dataset.Type.FLOAT;
  }

  @Override
  public int outputSize() {
    return net.outputSize();
  }

  @Override
  public List<TensorSpec> parameterLayout() {
    return net.parameterLayout();
  }

  /** Grows the scratch arrays to hold {@code size} rows of {@code data} (never shrinks them). */
  private void ensure(Dataset data, int size) {
    if (xs.length < size * net.inputSize()) {
      xs = new float[size * net.inputSize()];
      out = new float[size * net.outputSize()];
    }
    if (ts.length < size * data.targetWidth()) {
      ts = new float[size * data.targetWidth()];
    }
  }

  @Override
  public double trainBatch(Dataset data, int[] order, int from, int size) {
    if (trainer != null) {
      // Each of the trainer's threads gathers its own shard's rows, in parallel.
      return trainer.trainBatch(rows.of(data, order, from), size);
    }
    ensure(data, size);
    data.gather(order, from, size, xs, ts);
    return trainable().trainBatch(xs, ts, size);
  }

  @Override
  public double chunkLoss(Dataset data, int from, int size) {
    ensure(data, size);
    data.copyRows(from, size, xs, ts);
    return trainable().loss(xs, ts, size);
  }

  @Override
  public void chunkPredict(Dataset data, int from, int size, double[] result) {
    ensure(data, size);
    data.copyRows(from, size, xs, ts);
    net.predictBatch(xs, out, size);
    widenOutputs(size, result);
  }

  /** The first {@code size} rows of {@code out} into {@code result}, widened to double. */
  private void widenOutputs(int size, double[] result) {
    for (int i = 0; i < size * net.outputSize(); i++) {
      result[i] = out[i];
    }
  }

  @Override
  public double chunkEvaluate(Dataset data, int from, int size, double[] result) {
    ensure(data, size);
    data.copyRows(from, size, xs, ts);
    float loss = trainable().evaluate(xs, ts, size, out);
    widenOutputs(size, result);
    return loss;
  }

  @Override
  public void useThreads(int threads, boolean oneCore) {
    close();
    if (threads > 1 && splitsSteps()) {
      team = oneCore ? StepTeam.rehearsal(threads) : StepTeam.of(threads);
      trainable().useStepTeam(team);
      return;
    }
    trainer = ParallelTrainer.of(trainable(), reduction(), threads);
  }

  @Override
  public boolean splitsSteps() {
    return SPLIT_STEPS && net instanceof TrainableFloatNetwork t && t.splitsSteps();
  }

  @Override
  public Learner copy() {
    return new FloatLearner(trainable().copy(), reduction());
  }

  @Override
  public double[] parameters() {
    float[] p = new float[net.parameterCount()];
    net.getParameters(p);
    double[] wide = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      wide[i] = p[i];
    }
    return wide;
  }

  @Override
  public Map<String, Tensor> parameterTensors() {
    return Weights.tensors(net);
  }

  @Override
  public void setParameterTensors(Map<String, Tensor> tensors) {
    try {
      net.setParameters(Weights.floats(tensors, net.parameterLayout(), "parameters"));
    } catch (SafetensorsException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    sync();
  }

  @Override
  public OptimizerSnapshot optimizerSnapshot() {
    List<TensorSpec> layout = trainable().optimizerStateLayout();
    float[] state = new float[OptimizerLayout.size(layout)];
    trainable().getOptimizerState(state);
    return new OptimizerSnapshot(Weights.tensors(layout, state),
        trainable().optimizerStepCount(), trainable().learningRate());
  }

  @Override
  public void restore(OptimizerSnapshot snapshot) {
    try {
      trainable().setOptimizerState(Weights.floats(snapshot.buffers(),
          trainable().optimizerStateLayout(), "optimizer state"));
    } catch (SafetensorsException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    trainable().setOptimizerStepCount(snapshot.steps());
    trainable().setLearningRate(snapshot.learningRate());
    sync();
  }

  @Override
  public double learningRate() {
    return trainable().learningRate();
  }

  @Override
  public void setLearningRate(double lr) {
    trainable().setLearningRate(lr);
    sync();
  }

  /** Makes the replicas copies of the network again after a change outside the trainer. */
  private void sync() {
    if (trainer != null) {
      trainer.sync();
    }
  }

  @Override
  public void close() {
    if (team != null) {
      trainable().useStepTeam(null);
      team.close();
      team = null;
    }
    if (trainer != null) {
      trainer.close();
      trainer = null;
    }
  }
}
