package dev.netc.bench;

import dev.netc.interp.Interpreter;
import java.util.concurrent.TimeUnit;
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
 * netc's reference interpreter on the same networks ({@link BenchNetworks}): it computes in double
 * and rounds every result to float, the networks' precision. Scores are samples per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class InterpreterBench {

  /** An interpreted network, its initial parameters and a data pool per batch size. */
  public abstract static class Net {
    Interpreter net;
    double[] initial;
    double[] out;
    int cursor;

    void init(Interpreter n) {
      net = n;
      initial = new double[n.parameterCount()];
      n.getParameters(initial);
      out = new double[n.outputSize()];
    }

    /** Starts every measurement iteration from the same parameters and no momentum. */
    @Setup(Level.Iteration)
    public void reset() {
      net.setParameters(initial);
      net.resetOptimizer();
    }

    double train(BenchData d) {
      cursor = d.next(cursor);
      return net.trainBatch(d.xsDouble()[cursor], d.labelsDouble()[cursor], d.batchSize());
    }

    double predict(BenchData d) {
      cursor = d.next(cursor);
      net.predict(d.xsDouble()[cursor], out);
      return out[0];
    }
  }

  /** MLP 784-256-128-10. */
  @State(Scope.Thread)
  public static class MlpState extends Net {
    BenchData b1;
    BenchData b32;
    BenchData b128;

    /** Builds the network and the data. */
    @Setup(Level.Trial)
    public void setUp() {
      init(new Interpreter(BenchNetworks.mlp()));
      b1 = BenchData.mlp(1);
      b32 = BenchData.mlp(32);
      b128 = BenchData.mlp(128);
    }
  }

  /** Tiny 4-16-3. */
  @State(Scope.Thread)
  public static class TinyState extends Net {
    BenchData b1;

    /** Builds the network and the data. */
    @Setup(Level.Trial)
    public void setUp() {
      init(new Interpreter(BenchNetworks.tiny()));
      b1 = BenchData.tiny(1);
    }
  }

  /** Issue 14's LeNet-5. */
  @State(Scope.Thread)
  public static class LeNet5State extends Net {
    BenchData b1;
    BenchData b32;

    /** Builds the network and the data (the MLP's 784 inputs, read as 1x28x28). */
    @Setup(Level.Trial)
    public void setUp() {
      init(new Interpreter(BenchNetworks.lenet5()));
      b1 = BenchData.mlp(1);
      b32 = BenchData.mlp(32);
    }
  }

  /** Issue 14's "Small" CNN. */
  @State(Scope.Thread)
  public static class SmallCnnState extends Net {
    BenchData b1;
    BenchData b32;

    /** Builds the network and the data (the MLP's 784 inputs, read as 1x28x28). */
    @Setup(Level.Trial)
    public void setUp() {
      init(new Interpreter(BenchNetworks.smallCnn()));
      b1 = BenchData.mlp(1);
      b32 = BenchData.mlp(32);
    }
  }

  /** LeNet-5 training step, batch 32. */
  @Benchmark
  @OperationsPerInvocation(32)
  public double lenet5TrainB32(LeNet5State s) {
    return s.train(s.b32);
  }

  /** LeNet-5 inference of one example. */
  @Benchmark
  public double lenet5PredictB1(LeNet5State s) {
    return s.predict(s.b1);
  }

  /** Small CNN training step, batch 32. */
  @Benchmark
  @OperationsPerInvocation(32)
  public double smallCnnTrainB32(SmallCnnState s) {
    return s.train(s.b32);
  }

  /** Small CNN inference of one example. */
  @Benchmark
  public double smallCnnPredictB1(SmallCnnState s) {
    return s.predict(s.b1);
  }

  /** MLP training step, batch 1. */
  @Benchmark
  public double mlpTrainB1(MlpState s) {
    return s.train(s.b1);
  }

  /** MLP training step, batch 32. */
  @Benchmark
  @OperationsPerInvocation(32)
  public double mlpTrainB32(MlpState s) {
    return s.train(s.b32);
  }

  /** MLP training step, batch 128. */
  @Benchmark
  @OperationsPerInvocation(128)
  public double mlpTrainB128(MlpState s) {
    return s.train(s.b128);
  }

  /** MLP inference of one example. */
  @Benchmark
  public double mlpPredictB1(MlpState s) {
    return s.predict(s.b1);
  }

  /** Tiny network training step, batch 1. */
  @Benchmark
  public double tinyTrainB1(TinyState s) {
    return s.train(s.b1);
  }

  /** Tiny network inference of one example. */
  @Benchmark
  public double tinyPredictB1(TinyState s) {
    return s.predict(s.b1);
  }
}
