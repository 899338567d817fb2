package dev.netc.bench;

import dev.netc.bench.gen.LeNet5;
import dev.netc.bench.gen.LeNet5Vector;
import dev.netc.bench.gen.Mlp;
import dev.netc.bench.gen.MlpVector;
import dev.netc.bench.gen.SmallCnn;
import dev.netc.bench.gen.SmallCnnVector;
import dev.netc.bench.gen.Tiny;
import dev.netc.bench.gen.TinyVector;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The classes netc generates at build time ({@link BenchNetworks}), in float, from both backends
 * ({@code backend} = scalar, the dependency-free default, or vector, the Vector API). Scores are
 * samples per second: each invocation processes one batch and counts as {@code batch} operations.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-modules=jdk.incubator.vector",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class GeneratedBench {

  /** A generated network, its initial parameters and a data pool per batch size. */
  public abstract static class Net {
    TrainableFloatNetwork net;
    float[] initial;
    float[] out;
    int cursor;

    void init(TrainableFloatNetwork n) {
      net = n;
      initial = new float[n.parameterCount()];
      n.getParameters(initial);
      out = new float[n.outputSize()];
    }

    /**
     * Before each measurement iteration: a training benchmark starts again from the same
     * parameters and no momentum ({@link #reset}). A predict benchmark writes no parameter, so
     * its class is left as it is: restored parameters sent the first 8 predicts of every
     * iteration down the path a class takes before it makes its aligned copies, which nothing
     * else runs, so that it stayed in the interpreter and C1's code for seconds, where a Vector
     * API pass allocates megabytes of vectors (on the Zen 4 host the MLP's predict read 77–89k
     * examples/s and 33–591 B per call over the first iterations, and 92k and 0.03 B only once
     * C2 had compiled that path after 8–12 s; the Small CNN's 316 B per call throughout). The
     * batch-1 steps' residue in gc.alloc.rate.norm (70–80 B per step of the MLP once warm) is
     * the same kind: {@link #reset} settles the pending update and the next step runs the
     * forward pass without one, paths that run once per iteration each (a JFR recording's
     * allocations after the warm-up came from those two alone).
     */
    @Setup(Level.Iteration)
    public void beforeIteration(BenchmarkParams params) {
      if (!params.getBenchmark().contains("Predict")) {
        reset();
      }
    }

    /** Restores the initial parameters and clears the optimizer's state. */
    public void reset() {
      net.setParameters(initial);
      net.resetOptimizer();
    }

    float train(BenchData d) {
      cursor = d.next(cursor);
      return net.trainBatch(d.xs()[cursor], d.labels()[cursor], d.batchSize());
    }

    float predict(BenchData d) {
      cursor = d.next(cursor);
      net.predict(d.xs()[cursor], out);
      return out[0];
    }
  }

  /** MLP 784-256-128-10. */
  @State(Scope.Thread)
  public static class MlpState extends Net {
    /** Which backend generated the class under test. */
    @Param({"scalar", "vector"})
    public String backend;

    BenchData b1;
    BenchData b32;
    BenchData b128;

    /** Builds the network and the data. */
    @Setup(Level.Trial)
    public void setUp() {
      init(backend.equals("vector") ? new MlpVector() : new Mlp());
      b1 = BenchData.mlp(1);
      b32 = BenchData.mlp(32);
      b128 = BenchData.mlp(128);
    }
  }

  /** Tiny 4-16-3. */
  @State(Scope.Thread)
  public static class TinyState extends Net {
    /** Which backend generated the class under test. */
    @Param({"scalar", "vector"})
    public String backend;

    BenchData b1;

    /** Builds the network and the data. */
    @Setup(Level.Trial)
    public void setUp() {
      init(backend.equals("vector") ? new TinyVector() : new Tiny());
      b1 = BenchData.tiny(1);
    }
  }

  /**
   * A CNN of issue 14 on 1x28x28 inputs (the MLP's 784-value examples), from either backend,
   * with its batch-1 and batch-32 pools.
   */
  @State(Scope.Thread)
  public abstract static class Cnn extends Net {
    /** Which backend generated the class under test. */
    @Param({"scalar", "vector"})
    public String backend;

    BenchData b1;
    BenchData b32;

    /** A new instance of the class generated by the scalar or the vector backend. */
    abstract TrainableFloatNetwork create(boolean vector);

    /** Builds the network and the data. */
    @Setup(Level.Trial)
    public void setUp() {
      init(create(backend.equals("vector")));
      b1 = BenchData.mlp(1);
      b32 = BenchData.mlp(32);
    }

    /** {@code state} set up for {@code backend} outside JMH (tests, harnesses), reset. */
    static <S extends Cnn> S ready(S state, String backend) {
      state.backend = backend;
      state.setUp();
      state.reset();
      return state;
    }
  }

  /** Issue 14's LeNet-5 (examples/lenet5.net). */
  @State(Scope.Thread)
  public static class LeNet5State extends Cnn {
    @Override
    TrainableFloatNetwork create(boolean vector) {
      return vector ? new LeNet5Vector() : new LeNet5();
    }
  }

  /** Issue 14's "Small" CNN (examples/fashion-cnn.net). */
  @State(Scope.Thread)
  public static class SmallCnnState extends Cnn {
    @Override
    TrainableFloatNetwork create(boolean vector) {
      return vector ? new SmallCnnVector() : new SmallCnn();
    }
  }

  /** LeNet-5 training step, batch 32. */
  @Benchmark
  @OperationsPerInvocation(32)
  public float lenet5TrainB32(LeNet5State s) {
    return s.train(s.b32);
  }

  /** LeNet-5 inference of one example. */
  @Benchmark
  public float lenet5PredictB1(LeNet5State s) {
    return s.predict(s.b1);
  }

  /** Small CNN training step, batch 32. */
  @Benchmark
  @OperationsPerInvocation(32)
  public float smallCnnTrainB32(SmallCnnState s) {
    return s.train(s.b32);
  }

  /** Small CNN inference of one example. */
  @Benchmark
  public float smallCnnPredictB1(SmallCnnState s) {
    return s.predict(s.b1);
  }

  /** MLP training step, batch 1. */
  @Benchmark
  public float mlpTrainB1(MlpState s) {
    return s.train(s.b1);
  }

  /** MLP training step, batch 32. */
  @Benchmark
  @OperationsPerInvocation(32)
  public float mlpTrainB32(MlpState s) {
    return s.train(s.b32);
  }

  /** MLP training step, batch 128. */
  @Benchmark
  @OperationsPerInvocation(128)
  public float mlpTrainB128(MlpState s) {
    return s.train(s.b128);
  }

  /** MLP inference of one example. */
  @Benchmark
  public float mlpPredictB1(MlpState s) {
    return s.predict(s.b1);
  }

  /** Tiny network training step, batch 1. */
  @Benchmark
  public float tinyTrainB1(TinyState s) {
    return s.train(s.b1);
  }

  /** Tiny network inference of one example. */
  @Benchmark
  public float tinyPredictB1(TinyState s) {
    return s.predict(s.b1);
  }
}
