package dev.netc.bench;

import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import java.util.concurrent.TimeUnit;
import org.encog.neural.networks.BasicNetwork;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encog 3.4, the pure-Java library a user would otherwise pick, on the same networks with the same
 * initial weights ({@link EncogNets}): plain {@code Backpropagation(lr / batch, momentum)}, one
 * thread, one {@code iteration()} per step over a data set of exactly one batch. Encog computes in
 * double. Scores are samples per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class EncogBench {

  /** An Encog network, its initial weights, and a trainer and data pool per batch size. */
  public abstract static class Net {
    Network ir;
    BasicNetwork net;
    double[] initial;
    double[] out;
    int cursor;
    BenchData[] pools;
    EncogNets.Trainer[] trainers;

    void init(Network n, BenchData... data) {
      ir = n;
      net = EncogNets.build(n, Interpreter.initialParameters(n));
      initial = net.getFlat().getWeights().clone();
      out = new double[n.outputSize()];
      pools = data;
      trainers = new EncogNets.Trainer[data.length];
    }

    /**
     * Starts every measurement iteration from the same weights and no momentum: Encog keeps its
     * momentum in the trainer (and a copy of the weights in its worker), so the trainers are new.
     */
    @Setup(Level.Iteration)
    public void reset() {
      System.arraycopy(initial, 0, net.getFlat().getWeights(), 0, initial.length);
      for (int i = 0; i < pools.length; i++) {
        trainers[i] = new EncogNets.Trainer(ir, net, pools[i].batchSize());
      }
    }

    double train(int pool) {
      BenchData d = pools[pool];
      cursor = d.next(cursor);
      return trainers[pool].step(d.xsDouble()[cursor], d.labelsDouble()[cursor]);
    }

    double predict() {
      BenchData d = pools[0];
      cursor = d.next(cursor);
      net.compute(d.xsDouble()[cursor], out);
      return out[0];
    }
  }

  /** MLP 784-256-128-10; pools for batch 1, 32 and 128. */
  @State(Scope.Thread)
  public static class MlpState extends Net {
    /** Builds the network and the data. */
    @Setup(Level.Trial)
    public void setUp() {
      init(BenchNetworks.mlp(), BenchData.mlp(1), BenchData.mlp(32), BenchData.mlp(128));
    }
  }

  /** Tiny 4-16-3; a pool for batch 1. */
  @State(Scope.Thread)
  public static class TinyState extends Net {
    /** Builds the network and the data. */
    @Setup(Level.Trial)
    public void setUp() {
      init(BenchNetworks.tiny(), BenchData.tiny(1));
    }
  }

  /** MLP training step, batch 1. */
  @Benchmark
  public double mlpTrainB1(MlpState s) {
    return s.train(0);
  }

  /** MLP training step, batch 32. */
  @Benchmark
  @OperationsPerInvocation(32)
  public double mlpTrainB32(MlpState s) {
    return s.train(1);
  }

  /** MLP training step, batch 128. */
  @Benchmark
  @OperationsPerInvocation(128)
  public double mlpTrainB128(MlpState s) {
    return s.train(2);
  }

  /** MLP inference of one example. */
  @Benchmark
  public double mlpPredictB1(MlpState s) {
    return s.predict();
  }

  /** Tiny network training step, batch 1. */
  @Benchmark
  public double tinyTrainB1(TinyState s) {
    return s.train(0);
  }

  /** Tiny network inference of one example. */
  @Benchmark
  public double tinyPredictB1(TinyState s) {
    return s.predict();
  }
}
