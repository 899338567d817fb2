package dev.netc.bench;

import dev.netc.runtime.TrainableFloatNetwork;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Two generated classes of one float classifier timed in one JVM, in alternated rounds: each
 * round trains every class at batch 32 for 0.7 s, then predicts one example at a time for 0.5 s,
 * the order of the classes reversed every other round; prints the median of the rounds. On a
 * shared or throttling host the throughput of one class swings by half from one second to the
 * next, so only rounds that alternate compare two kernels; {@code benchmarks/ab.sh} generates the
 * two classes with two builds of the compiler.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp CLASSES:benchmarks.jar
 * dev.netc.bench.Alternated NETWORK ROUNDS PACKAGE_A PACKAGE_B}. Inputs are uniform random
 * floats, labels random classes, a pool of 64 batches cycled through (as the PyTorch peer).
 */
public final class Alternated {
  private Alternated() {}

  private static final int BATCH = 32;
  private static final int POOL = 64;

  public static void main(String[] args) throws ReflectiveOperationException {
    if (args.length != 4) {
      System.err.println("usage: Alternated NETWORK ROUNDS PACKAGE_A PACKAGE_B");
      System.exit(2);
    }
    String network = args[0];
    int rounds = Integer.parseInt(args[1]);
    String[] packages = {args[2], args[3]};
    TrainableFloatNetwork[] nets = new TrainableFloatNetwork[2];
    for (int i = 0; i < 2; i++) {
      nets[i] = (TrainableFloatNetwork) Class.forName(packages[i] + "." + network)
          .getConstructor().newInstance();
    }
    int in = nets[0].inputSize();
    int classes = nets[0].outputSize();
    Random rnd = new Random(1);
    float[][] xs = new float[POOL][in * BATCH];
    float[][] labels = new float[POOL][BATCH];
    for (int p = 0; p < POOL; p++) {
      for (int i = 0; i < xs[p].length; i++) {
        xs[p][i] = rnd.nextFloat();
      }
      for (int i = 0; i < BATCH; i++) {
        labels[p][i] = rnd.nextInt(classes);
      }
    }
    float[] one = new float[in];
    float[] out = new float[classes];
    double[][] train = new double[2][rounds];
    double[][] predict = new double[2][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < 2; k++) {
        int i = r % 2 == 0 ? k : 1 - k;
        TrainableFloatNetwork net = nets[i];
        long t0 = System.nanoTime();
        long samples = 0;
        for (int p = 0; System.nanoTime() - t0 < 700_000_000L; p = (p + 1) % POOL) {
          net.trainBatch(xs[p], labels[p], BATCH);
          samples += BATCH;
        }
        train[i][r] = samples / ((System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        samples = 0;
        for (int p = 0; System.nanoTime() - t0 < 500_000_000L; p = (p + 1) % POOL) {
          System.arraycopy(xs[p], (int) (samples % BATCH) * in, one, 0, in);
          net.predict(one, out);
          samples++;
        }
        predict[i][r] = samples / ((System.nanoTime() - t0) / 1e9);
      }
    }
    System.out.println("| class | training, batch 32: median samples/s (rounds) | predict:"
        + " median samples/s |");
    System.out.println("|---|---|---|");
    for (int i = 0; i < 2; i++) {
      System.out.printf(Locale.ROOT, "| %s.%s | %.0f (%s) | %.0f |%n", packages[i], network,
          median(train[i]), Arrays.toString(Arrays.stream(train[i]).mapToLong(Math::round)
              .toArray()), median(predict[i]));
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
