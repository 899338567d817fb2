package dev.netc.bench;

import dev.netc.bench.gen.Mlp;
import dev.netc.bench.gen.MlpVector;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.ParallelFloatTrainer;
import dev.netc.runtime.ParallelTrainer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The generated MLP trained data-parallel on both cores ({@link ParallelTrainer}, 2 threads: the
 * benchmark thread and one worker), at batch 32 and 128. Scores are samples per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--add-modules=jdk.incubator.vector",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ParallelBench {

  /** The trainer over a fresh generated MLP, and its data. */
  @State(Scope.Thread)
  public static class Trainer {
    /** Which backend generated the class under test. */
    @Param({"scalar", "vector"})
    public String backend;

    ParallelFloatTrainer trainer;
    float[] initial;
    BenchData b32;
    BenchData b128;
    int cursor;

    /** Starts the worker thread and builds the data. */
    @Setup(Level.Trial)
    public void setUp() {
      trainer = ParallelTrainer.of(backend.equals("vector") ? new MlpVector() : new Mlp(),
          LossReduction.MEAN, 2);
      initial = new float[trainer.master().parameterCount()];
      trainer.master().getParameters(initial);
      b32 = BenchData.mlp(32);
      b128 = BenchData.mlp(128);
    }

    /** Every measurement iteration starts from the same parameters and no momentum. */
    @Setup(Level.Iteration)
    public void reset() {
      trainer.master().setParameters(initial);
      trainer.master().resetOptimizer();
      trainer.sync();
    }

    /** Stops the worker. */
    @TearDown(Level.Trial)
    public void tearDown() {
      trainer.close();
    }

    float train(BenchData d) {
      cursor = d.next(cursor);
      return trainer.trainBatch(d.xs()[cursor], d.labels()[cursor], d.batchSize());
    }
  }

  /** MLP training step on 2 threads, batch 32. */
  @Benchmark
  @OperationsPerInvocation(32)
  public float mlpTrainB32(Trainer s) {
    return s.train(s.b32);
  }

  /** MLP training step on 2 threads, batch 128. */
  @Benchmark
  @OperationsPerInvocation(128)
  public float mlpTrainB128(Trainer s) {
    return s.train(s.b128);
  }
}
