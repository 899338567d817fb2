package dev.netc.bench;

import dev.netc.bench.gen.MlpVector;
import dev.netc.runtime.StepTeam;

/**
 * The generated Fashion MLP's training step (Vector API backend, one thread) in a plain loop, for
 * A/B runs of two builds' jars and for profilers (JFR, {@code -XX:CompileCommand=print}), which
 * JMH's forks make awkward: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar
 * dev.netc.bench.TrainLoop BATCH SECONDS [THREADS]} prints the samples/s after 3 s of warm-up,
 * over {@link BenchData#mlp}'s pool of examples cycled batch by batch (BATCH must divide its
 * size); with THREADS above 1 the steps split over a {@link StepTeam} of that many threads, as
 * {@code netc train --threads} splits them.
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
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    BenchData data = BenchData.mlp(batch);
    MlpVector net = new MlpVector();
    StepTeam team = threads > 1 ? StepTeam.of(threads) : null;
    if (!net.useStepTeam(team) && team != null) {
      throw new IllegalStateException("MlpVector does not split its steps");
    }
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
    System.out.printf("batch %d, %d thread%s: %.0f samples/s (loss sum %.1f)%s%n", batch,
        threads, threads == 1 ? "" : "s", steps * batch / elapsed, sum,
        team == null ? "" : ", shares at the end " + shares(team));
    if (team != null) {
      team.close();
    }
  }

  /** The team's shares of the batched kernels' work, as percentages. */
  private static String shares(StepTeam team) {
    StringBuilder b = new StringBuilder();
    for (double s : team.shares()) {
      b.append(b.length() == 0 ? "" : " / ").append(String.format("%.1f %%", 100 * s));
    }
    return b.toString();
  }
}
