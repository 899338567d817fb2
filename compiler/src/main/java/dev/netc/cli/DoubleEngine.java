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

/** An {@link Engine} over a {@code double[]} network: the interpreter (any precision) or a generated {@code precision double} class. */
final class DoubleEngine extends Engine {
  private final DoubleNetwork net;
  private Learner learner;
  private double[] xs = new double[0];
  private double[] ts = new double[0];
  private double[] out = new double[0];

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

  @Override
  double[] parameters() {
    double[] p = new double[net.parameterCount()];
    net.getParameters(p);
    return p;
  }

  private TrainableDoubleNetwork trainable() {
    loss();
    return (TrainableDoubleNetwork) net;
  }

  /** Grows the scratch arrays to hold {@code size} rows (only ever grows: no churn per batch). */
  private void ensure(int size) {
    int x = size * network.inputSize();
    if (xs.length < x) {
      xs = new double[x];
      ts = new double[size * Math.max(1, network.targetWidth())];
      out = new double[size * network.outputSize()];
    }
  }

  /** Copies the contiguous rows [from, from+size) into the scratch arrays. */
  private void copyRows(Dataset data, int from, int size) {
    int in = network.inputSize();
    int tw = data.targetWidth();
    System.arraycopy(data.doubleInputs(), from * in, xs, 0, size * in);
    System.arraycopy(data.doubleTargets(), from * tw, ts, 0, size * tw);
  }

  @Override
  Learner learner() {
    if (learner == null) {
      learner = Learner.of(trainable(), reduction());
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
  double chunkLoss(Dataset data, int from, int size) {
    TrainableDoubleNetwork t = trainable();
    ensure(size);
    copyRows(data, from, size);
    return t.loss(xs, ts, size);
  }

  @Override
  void chunkPredict(Dataset data, int from, int size, double[] result) {
    ensure(size);
    copyRows(data, from, size);
    net.predictBatch(xs, out, size);
    System.arraycopy(out, 0, result, 0, size * network.outputSize());
  }

  @Override
  Map<String, Tensor> gradient(Dataset data, double[] lossOut) {
    TrainableDoubleNetwork t = trainable();
    double[] grad = new double[net.parameterCount()];
    lossOut[0] = t.gradient(data.doubleInputs(), data.doubleTargets(), data.count(), grad);
    return new LinkedHashMap<>(Weights.tensors(net.parameterLayout(), grad));
  }
}
