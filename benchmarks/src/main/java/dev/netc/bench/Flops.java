package dev.netc.bench;

import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Floating-point operations per example of the benchmarked networks, counted from their layer
 * shapes, for the GFLOP/s columns of {@code benchmarks/table.py}.
 *
 * <p>A multiply-add counts 2; only dense and conv2d layers are counted (activations, pooling and
 * the loss are a few operations per value, not per weight). Forward: 2 · in · out for a dense
 * layer, 2 · C_out · H_out · W_out · C_in · KH · KW for a convolution. Training: forward + the
 * weight gradient (as many operations as the forward pass) + the input delta of every weighted
 * layer but the first (same again; the input's delta is never computed). For the MLP 784-256-128-10
 * that is 1,007,104 (docs/performance.md counts it the same way).
 */
public final class Flops {

  private Flops() {}

  /** Operations of one example's forward pass. */
  public static long forward(Network n) {
    long sum = 0;
    for (Layer l : n.layers()) {
      sum += layerForward(l);
    }
    return sum;
  }

  /** Operations of one example's training step (forward and backward; the update is per step). */
  public static long training(Network n) {
    long sum = 0;
    boolean first = true;
    for (Layer l : n.layers()) {
      long f = layerForward(l);
      if (f == 0) {
        continue;
      }
      sum += first ? 2 * f : 3 * f;
      first = false;
    }
    return sum;
  }

  private static long layerForward(Layer l) {
    if (l instanceof Dense d) {
      return 2L * d.inSize() * d.outSize();
    }
    if (l instanceof Conv2d c) {
      Shape.Image out = c.outputShape();
      return 2L * out.size() * c.kernelSize();
    }
    return 0;
  }

  /** FLOP per example of every JMH benchmark method that has a network to count. */
  public static Map<String, Long> perBenchmark() {
    Map<String, Long> m = new LinkedHashMap<>();
    Network mlp = BenchNetworks.mlp();
    for (String b : new String[] {"mlpTrainB1", "mlpTrainB32", "mlpTrainB128"}) {
      m.put(b, training(mlp));
    }
    m.put("mlpPredictB1", forward(mlp));
    m.put("lenet5TrainB32", training(BenchNetworks.lenet5()));
    m.put("lenet5PredictB1", forward(BenchNetworks.lenet5()));
    m.put("smallCnnTrainB32", training(BenchNetworks.smallCnn()));
    m.put("smallCnnPredictB1", forward(BenchNetworks.smallCnn()));
    return m;
  }

  /** Prints {@code FLOPS <benchmark> <operations per example>} lines for table.py. */
  public static void main(String[] args) {
    perBenchmark().forEach((b, f) -> System.out.println("FLOPS " + b + " " + f));
  }
}
