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
  private float[] xs = new float[0];
  private float[] ts = new float[0];
  private float[] out = new float[0];

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

  @Override
  double[] parameters() {
    float[] p = new float[net.parameterCount()];
    net.getParameters(p);
    double[] wide = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      wide[i] = p[i];
    }
    return wide;
  }

  private TrainableFloatNetwork trainable() {
    loss();
    return (TrainableFloatNetwork) net;
  }

  /** Grows the scratch arrays to hold {@code size} rows (only ever grows: no churn per batch). */
  private void ensure(int size) {
    int x = size * network.inputSize();
    if (xs.length < x) {
      xs = new float[x];
      ts = new float[size * Math.max(1, network.targetWidth())];
      out = new float[size * network.outputSize()];
    }
  }

  /** Copies the contiguous rows [from, from+size) into the scratch arrays. */
  private void copyRows(Dataset data, int from, int size) {
    int in = network.inputSize();
    int tw = data.targetWidth();
    System.arraycopy(data.floatInputs(), from * in, xs, 0, size * in);
    System.arraycopy(data.floatTargets(), from * tw, ts, 0, size * tw);
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
    TrainableFloatNetwork t = trainable();
    ensure(size);
    copyRows(data, from, size);
    return t.loss(xs, ts, size);
  }

  @Override
  void chunkPredict(Dataset data, int from, int size, double[] result) {
    ensure(size);
    copyRows(data, from, size);
    net.predictBatch(xs, out, size);
    for (int i = 0; i < size * network.outputSize(); i++) {
      result[i] = out[i];
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
