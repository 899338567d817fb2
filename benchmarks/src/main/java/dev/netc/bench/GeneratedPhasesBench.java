package dev.netc.bench;

import dev.netc.bench.gen.Mlp;
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
 * Where the generated MLP's training step spends its time, through the generated class's public
 * API: {@code accumulateGradient} (zero the internal gradient buffers, forward + backward of every
 * example, add the scaled sums to a caller's array; per sample, at batch 1 and 32) and
 * {@code optimizerStep} (the SGD-with-momentum update of all 235k parameters; per step). The
 * forward pass alone is {@code GeneratedBench.mlpPredictB1}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class GeneratedPhasesBench {

  /** The generated MLP, a gradient array and data for batch 1 and 32. */
  @State(Scope.Thread)
  public static class MlpState {
    Mlp net;
    float[] initial;
    float[] grad;
    BenchData b1;
    BenchData b32;
    int cursor;

    /** Builds the network and the data. */
    @Setup(Level.Trial)
    public void setUp() {
      net = new Mlp();
      initial = new float[net.parameterCount()];
      net.getParameters(initial);
      grad = new float[net.parameterCount()];
      b1 = BenchData.mlp(1);
      b32 = BenchData.mlp(32);
    }

    /**
     * Every iteration starts from the initial parameters with the gradient of one batch, so that
     * repeated optimizer steps see a constant non-zero gradient: the momentum buffers converge to
     * 10 g instead of decaying into subnormal numbers, which would measure the FPU's slow path.
     */
    @Setup(Level.Iteration)
    public void reset() {
      net.setParameters(initial);
      net.resetOptimizer();
      net.gradient(b32.xs()[0], b32.labels()[0], 32, grad);
    }

    float accumulate(BenchData d) {
      cursor = d.next(cursor);
      return net.accumulateGradient(d.xs()[cursor], d.labels()[cursor], d.batchSize(), grad);
    }
  }

  /** Forward + backward of one example, added to the gradient array; no update. */
  @Benchmark
  public float mlpAccumulateB1(MlpState s) {
    return s.accumulate(s.b1);
  }

  /** Forward + backward of a batch of 32, added to the gradient array, per sample; no update. */
  @Benchmark
  @OperationsPerInvocation(32)
  public float mlpAccumulateB32(MlpState s) {
    return s.accumulate(s.b32);
  }

  /** SGD with momentum over all 235k parameters: one step, whatever the batch size. */
  @Benchmark
  public Mlp mlpOptimizerStep(MlpState s) {
    s.net.optimizerStep(s.grad);
    return s.net;
  }
}
