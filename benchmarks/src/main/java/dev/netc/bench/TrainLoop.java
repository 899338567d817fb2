package dev.netc.bench;

import dev.netc.bench.gen.MlpVector;

/**
 * The generated Fashion MLP's training step (Vector API backend, one thread) in a plain loop, for
 * A/B runs of two builds' jars and for profilers (JFR, {@code -XX:CompileCommand=print}), which
 * JMH's forks make awkward: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar
 * dev.netc.bench.TrainLoop BATCH SECONDS} prints the samples/s after 3 s of warm-up, over
 * {@link BenchData#mlp}'s pool of examples cycled batch by batch (BATCH must divide its size).
 */
public final class TrainLoop {
  private static final long WARM_UP_NANOS = 3_000_000_000L;

  private TrainLoop() {}

  /** Runs BATCH-example steps for SECONDS seconds and prints the samples/s after the warm-up. */
  public static void main(String[] args) {
    int batch = Integer.parseInt(args[0]);
    double seconds = Double.parseDouble(args[1]);
    if (!(seconds > 4)) {
      throw new IllegalArgumentException("SECONDS must exceed 4 (3 s of warm-up come first)");
    }
    BenchData data = BenchData.mlp(batch);
    MlpVector net = new MlpVector();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long measuredFrom = 0;
    long steps = 0;
    float sum = 0;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 50; i++, steps++) {
        int b = (int) (steps % data.batches());
        sum += net.trainBatch(data.xs()[b], data.labels()[b], batch);
      }
      if (measuredFrom == 0 && System.nanoTime() - start > WARM_UP_NANOS) {
        measuredFrom = System.nanoTime();
        steps = 0;
      }
    }
    double elapsed = (System.nanoTime() - measuredFrom) / 1e9;
    System.out.printf("batch %d: %.0f samples/s (loss sum %.1f)%n", batch,
        steps * batch / elapsed, sum);
  }
}
