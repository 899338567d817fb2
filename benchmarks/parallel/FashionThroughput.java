import com.palantir.javapoet.JavaFile;
import dev.netc.Frontend;
import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
import dev.netc.ir.Network;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.ParallelFloatTrainer;
import dev.netc.runtime.ParallelTrainer;
import dev.netc.runtime.TrainableFloatNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Training throughput (samples/s) of a generated network through ParallelTrainer, for each batch
 * size and thread count given: a warm-up, then ROUNDS timed rounds of about one second each; prints
 * the median (and min/max) per configuration as Markdown rows. Data: random inputs in [0,1) with
 * random labels (the speed does not depend on the values; relu sparsity aside).
 *
 * <p>Run (after ./mvnw -q package -DskipTests): java -cp compiler/target/netc-compiler-*-cli.jar
 * benchmarks/parallel/FashionThroughput.java examples/fashion.net 32,128 1,2
 */
public final class FashionThroughput {
  private static final int ROUNDS = 5;

  // Process CPU time: on a shared machine, samples per CPU-second show the cost of going parallel
  // (synchronization, reduction, the replicas' extra optimizer steps) even when wall time cannot.
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();
  private static long samples;

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args.length > 0 ? args[0] : "examples/fashion.net");
    int[] batches = ints(args.length > 1 ? args[1] : "32,128");
    int[] threads = ints(args.length > 2 ? args[2] : "1,2");
    Network net = Frontend.compile(model.toString(), Files.readString(model)).networks().get(0);
    JavaFile file = JavaGenerator.generate(net, "bench");
    TrainableFloatNetwork proto = (TrainableFloatNetwork) InMemoryCompiler.compile(List.of(file))
        .load("bench." + net.name()).getConstructor().newInstance();
    int in = proto.inputSize();
    int classes = proto.outputSize();
    Random rnd = new Random(1);
    int maxBatch = Arrays.stream(batches).max().orElseThrow();
    float[] xs = new float[maxBatch * in];
    float[] ts = new float[maxBatch];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = rnd.nextFloat();
    }
    for (int i = 0; i < ts.length; i++) {
      ts[i] = rnd.nextInt(classes);
    }
    System.out.println("| batch | threads | samples/s (median of " + ROUNDS + ") | min | max "
        + "| samples per CPU-second |");
    System.out.println("|---|---|---|---|---|---|");
    for (int batch : batches) {
      for (int t : threads) {
        TrainableFloatNetwork net0 = proto.copy();
        try (ParallelFloatTrainer trainer = ParallelTrainer.of(net0, LossReduction.MEAN, t)) {
          round(trainer, xs, ts, batch, 1.0);
          double[] r = new double[ROUNDS];
          long cpu0 = OS.getProcessCpuTime();
          long samples0 = samples;
          for (int i = 0; i < ROUNDS; i++) {
            r[i] = round(trainer, xs, ts, batch, 1.0);
          }
          double perCpuSecond = (samples - samples0) / ((OS.getProcessCpuTime() - cpu0) / 1e9);
          Arrays.sort(r);
          System.out.printf(Locale.ROOT, "| %d | %d | %.0f | %.0f | %.0f | %.0f |%n", batch, t,
              r[ROUNDS / 2], r[0], r[ROUNDS - 1], perCpuSecond);
        }
      }
    }
  }

  /** Trains for about {@code seconds}; returns samples per second. */
  private static double round(ParallelFloatTrainer trainer, float[] xs, float[] ts, int batch,
      double seconds) {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long samples = 0;
    // Tiny learning steps on random labels stay finite; the loss is checked to keep the work live.
    float sum = 0;
    do {
      for (int i = 0; i < 10; i++) {
        sum += trainer.trainBatch(xs, ts, batch);
        samples += batch;
        FashionThroughput.samples += batch;
      }
    } while (System.nanoTime() < end);
    if (!Float.isFinite(sum)) {
      throw new IllegalStateException("loss diverged");
    }
    return samples / ((System.nanoTime() - start) / 1e9);
  }

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
  }
}
