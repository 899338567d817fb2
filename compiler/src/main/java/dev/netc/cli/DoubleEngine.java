package dev.netc.cli;

import dev.netc.ir.Network;
import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Tensor;
import dev.netc.runtime.io.Weights;
import dev.netc.runtime.train.Learner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@link Engine} over a {@code double[]} network: the interpreter (any precision) or a
 * generated {@code precision double} class.
 */
final class DoubleEngine extends Engine {
  private final DoubleNetwork net;
  private Learner learner;

  DoubleEngine(Network network, DoubleNetwork net, String backend) {
    super(network, backend);
    this.net = net;
  }

  @Override
  Dataset.Type dataType() {
    return Dataset.Type.DOUBLE;
  }

  @Override
  void load(Path weights) throws IOException {
    Weights.load(weights, net);
  }

  @Override
  void save(Path weights) throws IOException {
    Weights.save(weights, net);
  }

  private TrainableDoubleNetwork trainable() {
    loss();
    return (TrainableDoubleNetwork) net;
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
    TrainableDoubleNetwork t = trainable();
    double[] grad = new double[net.parameterCount()];
    lossOut[0] = t.gradient(data.doubleInputs(), data.doubleTargets(), data.count(), grad);
    return new LinkedHashMap<>(Weights.tensors(net.parameterLayout(), grad));
  }
}
