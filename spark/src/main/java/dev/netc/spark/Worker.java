package dev.netc.spark;

import dev.netc.runtime.OptimizerLayout;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An executor's network instance with its batch buffers, reused across the steps of one trainer.
 * Spark runs a task per partition and step; creating the network (and its random initial
 * parameters) and the buffers for every task would cost a good part of a small step. Workers are
 * pooled per trainer id in the executor JVM; a task takes one and gives it back.
 */
final class Worker {
  /** Trainers whose workers an executor keeps; older ones are forgotten. */
  private static final int KEPT_TRAINERS = 8;
  private static final Map<String, ArrayDeque<Worker>> POOLS =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Worker>> eldest) {
          return size() > KEPT_TRAINERS;
        }
      };

  final TrainableFloatNetwork net;
  float[] xs = new float[0];
  float[] ts = new float[0];
  /** A parameter-sized vector: a gradient, or the replica's parameters in local SGD. */
  final float[] vector;
  /** The optimizer state of a local-SGD replica. */
  final float[] state;
  private BatchPlan orderPlan;
  private int orderPartition = -1;
  private int orderEpoch = -1;
  private int[] order;

  private Worker(TrainableFloatNetwork net) {
    this.net = net;
    this.vector = new float[net.parameterCount()];
    this.state = new float[OptimizerLayout.size(net.optimizerStateLayout())];
  }

  /** A pooled worker of trainer {@code id}, or a new one made with {@code factory}. */
  static Worker take(String id, NetworkFactory<? extends TrainableFloatNetwork> factory) {
    synchronized (POOLS) {
      ArrayDeque<Worker> pool = POOLS.get(id);
      if (pool != null && !pool.isEmpty()) {
        return pool.pop();
      }
    }
    return new Worker(factory.create());
  }

  /** Returns {@code w} to trainer {@code id}'s pool. */
  static void give(String id, Worker w) {
    synchronized (POOLS) {
      POOLS.computeIfAbsent(id, k -> new ArrayDeque<>()).push(w);
    }
  }

  /** Makes the batch buffers hold {@code rows} rows. */
  void reserve(int rows, int inputSize, int targetWidth) {
    if (xs.length < rows * inputSize) {
      xs = new float[rows * inputSize];
      ts = new float[rows * targetWidth];
    }
  }

  /** The plan's row order of {@code partition} in {@code epoch}, kept while it is reused. */
  int[] order(BatchPlan plan, int partition, int epoch) {
    if (partition != orderPartition || epoch != orderEpoch || !plan.equals(orderPlan)) {
      order = plan.order(partition, epoch);
      orderPlan = plan;
      orderPartition = partition;
      orderEpoch = epoch;
    }
    return order;
  }
}
