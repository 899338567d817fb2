package dev.netc.bench;

import dev.netc.bench.gen.MlpVector;
import dev.netc.runtime.StepTeam;

/**
 * The generated Fashion MLP's {@code predict} of one example (Vector API backend) in a plain
 * loop, as {@link TrainLoop} runs its steps: {@code java --add-modules jdk.incubator.vector -cp
 * benchmarks.jar dev.netc.bench.PredictLoop SECONDS [THREADS]} prints the examples/s (wall
 * time) after 3 s of warm-up, over {@link BenchData#mlp}'s pool of examples one after another;
 * with THREADS above 1 predict's large layers split over a {@link StepTeam} of that many
 * threads ({@code useStepTeam}).
 */
public final class PredictLoop {
  private static final long WARM_UP_NANOS = 3_000_000_000L;

  private PredictLoop() {}

  /** Runs predicts for SECONDS seconds and prints the examples/s after the warm-up. */
  public static void main(String[] args) {
    double seconds = Double.parseDouble(args[0]);
    if (!(seconds > 4)) {
      throw new IllegalArgumentException("SECONDS must exceed 4 (3 s of warm-up come first)");
    }
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    BenchData data = BenchData.mlp(1);
    int pool = data.batches();
    MlpVector net = new MlpVector();
    try (StepTeam team = threads > 1 ? StepTeam.of(threads) : null) {
      if (!net.useStepTeam(team) && team != null) {
        throw new IllegalStateException("MlpVector does not split its passes");
      }
      float[] out = new float[10];
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      long measuredFrom = 0;
      long calls = 0;
      float sum = 0;
      while (System.nanoTime() < end) {
        for (int i = 0; i < 200; i++, calls++) {
          net.predict(data.xs()[(int) (calls % pool)], out);
          sum += out[0];
        }
        if (measuredFrom == 0 && System.nanoTime() - start > WARM_UP_NANOS) {
          measuredFrom = System.nanoTime();
          calls = 0;
        }
      }
      double elapsed = (System.nanoTime() - measuredFrom) / 1e9;
      System.out.printf("predict, %d thread%s: %.0f examples/s (output sum %.1f)%n", threads,
          threads == 1 ? "" : "s", calls / elapsed, sum);
    }
  }
}
