package dev.netc.bench;

import com.palantir.javapoet.JavaFile;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
import dev.netc.ir.Network;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.train.EpochReport;
import dev.netc.runtime.train.Trainer;
import dev.netc.runtime.train.TrainingListener;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What the training loop of {@code netc train} costs on top of its kernels: one epoch of the
 * library {@link Trainer} (shuffled order, gathering the batch's rows, loss checks, a listener on
 * every step as the CLI's progress bar has) against the same number of {@code trainBatch} calls
 * on contiguous rows, alternately on one instance of the generated Fashion-MNIST MLP, in the
 * calling thread's CPU time (robust to other work on a shared machine).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * dev.netc.bench.LoopOverhead [rounds] [examples]}; prints, per batch size, the median epoch
 * time of both and the loop's share over the kernel's.
 */
public final class LoopOverhead {
  private static final ThreadMXBean BEAN = ManagementFactory.getThreadMXBean();

  private LoopOverhead() {}

  /** Prints a Markdown table of kernel time, loop time and overhead per batch size. */
  public static void main(String[] args) throws ReflectiveOperationException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int examples = args.length > 1 ? Integer.parseInt(args[1]) : 60_000;
    boolean vector = ModuleLayer.boot().findModule(InMemoryCompiler.VECTOR_MODULE).isPresent();
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(
        vector ? CodegenPolicy.Backend.VECTOR : CodegenPolicy.Backend.SCALAR);
    Network mlp = BenchNetworks.mlp();
    List<JavaFile> files = List.of(JavaGenerator.generate(mlp, "loop", policy));
    TrainableFloatNetwork net = (TrainableFloatNetwork) InMemoryCompiler.compile(files)
        .load("loop.Mlp").getConstructor().newInstance();
    Dataset data = randomData(examples);
    System.out.printf(Locale.ROOT, "%s backend, %d examples, %d rounds, thread CPU time%n",
        policy.backend().name().toLowerCase(Locale.ROOT), examples, rounds);
    System.out.println("| batch | kernels only (s/epoch) | Trainer epoch (s) | loop overhead |");
    System.out.println("|---|---|---|---|");
    for (int batch : new int[] {1, 32, 128}) {
      double[] kernel = new double[rounds];
      double[] loop = new double[rounds];
      // A first round of each warms the JIT; it is not counted.
      kernelEpoch(net, data, batch);
      trainerEpoch(net, data, batch);
      for (int r = 0; r < rounds; r++) {
        kernel[r] = kernelEpoch(net, data, batch);
        loop[r] = trainerEpoch(net, data, batch);
      }
      double k = median(kernel);
      double l = median(loop);
      System.out.printf(Locale.ROOT, "| %d | %.3f | %.3f | %+.1f %% |%n", batch, k, l,
          100 * (l - k) / k);
    }
  }

  /** One epoch of {@code trainBatch} calls on contiguous rows, in seconds of CPU time. */
  private static double kernelEpoch(TrainableFloatNetwork net, Dataset data, int batch) {
    float[] xs = data.floatInputs();
    float[] ts = data.floatTargets();
    int in = data.inputSize();
    float[] bx = new float[batch * in];
    float[] bt = new float[batch];
    long t0 = BEAN.getCurrentThreadCpuTime();
    double sink = 0;
    for (int from = 0; from < data.count(); from += batch) {
      int size = Math.min(batch, data.count() - from);
      // Contiguous rows, copied as the generated class needs its own arrays: one arraycopy.
      System.arraycopy(xs, from * in, bx, 0, size * in);
      System.arraycopy(ts, from, bt, 0, size);
      sink += net.trainBatch(bx, bt, size);
    }
    double s = (BEAN.getCurrentThreadCpuTime() - t0) / 1e9;
    return Double.isNaN(sink) ? -s : s;
  }

  /** One epoch of {@link Trainer} with a listener on every step, in seconds of CPU time. */
  private static double trainerEpoch(TrainableFloatNetwork net, Dataset data, int batch) {
    double[] last = new double[1];
    Trainer trainer = Trainer.builder().epochs(1).batchSize(batch).seed(7)
        .reduction(LossReduction.MEAN).listener(new TrainingListener() {
          @Override
          public void onEpoch(EpochReport report) {
            last[0] = report.trainLoss();
          }

          @Override
          public void onStep(int epoch, int epochs, int step, int steps, double meanLoss) {
            last[0] = meanLoss;
          }
        }).build();
    long t0 = BEAN.getCurrentThreadCpuTime();
    trainer.fit(net, data);
    double s = (BEAN.getCurrentThreadCpuTime() - t0) / 1e9;
    return Double.isNaN(last[0]) ? -s : s;
  }

  private static Dataset randomData(int count) {
    Random rnd = new Random(3);
    float[] xs = new float[count * 784];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = rnd.nextFloat();
    }
    float[] ts = new float[count];
    for (int i = 0; i < count; i++) {
      ts[i] = rnd.nextInt(10);
    }
    return Dataset.ofFloats(xs, ts, 784, 1, 10);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
