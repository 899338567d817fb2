package dev.netc.bench;

import dev.netc.bench.gen.MlpVector;
import java.util.Arrays;
import java.util.Random;

/**
 * The generated Fashion MLP's training step (Vector API backend, one thread) in a plain loop, for
 * A/B runs of two builds' jars and for profilers (JFR, {@code -XX:CompileCommand=print}), which
 * JMH's forks make awkward: {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar
 * dev.netc.bench.TrainLoop BATCH SECONDS} prints the samples/s after 3 s of warm-up, over a pool
 * of 4096 random examples cycled batch by batch (as {@link BackendTiming} does).
 */
public final class TrainLoop {
  private static final int POOL = 4096;
  private static final int INPUTS = 784;

  private TrainLoop() {}

  /** Runs BATCH-example steps for SECONDS seconds and prints the samples/s after the warm-up. */
  public static void main(String[] args) {
    int batch = Integer.parseInt(args[0]);
    double seconds = Double.parseDouble(args[1]);
    if (!(seconds > 4)) {
      throw new IllegalArgumentException("SECONDS must exceed 4 (3 s of warm-up come first)");
    }
    MlpVector net = new MlpVector();
    Random rnd = new Random(1);
    float[] xs = new float[INPUTS * POOL];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = rnd.nextFloat();
    }
    float[] labels = new float[POOL];
    for (int i = 0; i < POOL; i++) {
      labels[i] = rnd.nextInt(10);
    }
    int batches = POOL / batch;
    float[][] bx = new float[batches][];
    float[][] bl = new float[batches][];
    for (int b = 0; b < batches; b++) {
      bx[b] = Arrays.copyOfRange(xs, INPUTS * batch * b, INPUTS * batch * (b + 1));
      bl[b] = Arrays.copyOfRange(labels, batch * b, batch * (b + 1));
    }
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long measuredFrom = 0;
    long steps = 0;
    float sum = 0;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 50; i++, steps++) {
        int b = (int) (steps % batches);
        sum += net.trainBatch(bx[b], bl[b], batch);
      }
      if (measuredFrom == 0 && System.nanoTime() - start > 3_000_000_000L) {
        measuredFrom = System.nanoTime();
        steps = 0;
      }
    }
    double elapsed = (System.nanoTime() - measuredFrom) / 1e9;
    System.out.printf("batch %d: %.0f samples/s (loss sum %.1f)%n", batch,
        steps * batch / elapsed, sum);
  }
}
