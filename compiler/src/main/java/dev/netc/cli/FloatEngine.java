package dev.netc.cli;

import dev.netc.ir.Network;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Tensor;
import dev.netc.runtime.io.Weights;
import dev.netc.runtime.train.Learner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An {@link Engine} over a generated {@code precision float} class. */
final class FloatEngine extends Engine {
  private final FloatNetwork net;
  private Learner learner;

  FloatEngine(Network network, FloatNetwork net, String backend) {
    super(network, backend);
    this.net = net;
  }

  @Override
  Dataset.Type dataType() {
    return Dataset.Type.FLOAT;
  }

  @Override
  void load(Path weights) throws IOException {
    Weights.load(weights, net);
  }

  @Override
  void save(Path weights) throws IOException {
    Weights.save(weights, net);
  }

  private TrainableFloatNetwork trainable() {
    loss();
    return (TrainableFloatNetwork) net;
  }

  @Override
  Learner learner() {
    if (learner == null) {
      learner = network.loss().isPresent() ? Learner.of(trainable(), reduction())
          : Learner.predictorOf(net);
    }
    return learner;
  }

  @Override
  public void close() {
    if (learner != null) {
      learner.close();
    }
  }

  @Override
  Map<String, Tensor> gradient(Dataset data, double[] lossOut) {
    TrainableFloatNetwork t = trainable();
    float[] grad = new float[net.parameterCount()];
    lossOut[0] = t.gradient(data.floatInputs(), data.floatTargets(), data.count(), grad);
    return new LinkedHashMap<>(Weights.tensors(net.parameterLayout(), grad));
  }
}
