package dev.netc.bench;

import dev.netc.bench.gen.LeNet5Vector;
import dev.netc.bench.gen.MlpVector;
import dev.netc.bench.gen.SmallCnnVector;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.runtime.StepTeam;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Idx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A generated network's {@code predict} of one example (Vector API backend) in a plain loop, as
 * {@link TrainLoop} runs its steps: {@code java --add-modules jdk.incubator.vector -cp
 * benchmarks.jar dev.netc.bench.PredictLoop SECONDS [THREADS [random|fashion [NETWORK]]]}
 * prints the examples/s (wall time) after 3 s of warm-up, over {@link BenchData#mlp}'s pool of
 * examples one after another; with THREADS above 1 predict's large layers split over a {@link
 * StepTeam} of that many threads ({@code useStepTeam}). With {@code fashion}, the examples are
 * the first 1024 Fashion-MNIST test images ({@code /usr/share/datasets/fashion-mnist}, or the
 * directory in {@code NETC_FASHION_DIR}): half of their pixels are 0, which predict over weights
 * by columns skips, where the random examples have none. NETWORK is {@code mlp} (the default),
 * {@code lenet5} or {@code small-cnn} ({@link BenchNetworks}).
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
    boolean fashion = args.length > 2 && args[2].equals("fashion");
    if (args.length > 2 && !fashion && !args[2].equals("random")) {
      throw new IllegalArgumentException("examples are random or fashion, not " + args[2]);
    }
    String name = args.length > 3 ? args[3] : "mlp";
    TrainableFloatNetwork net = switch (name) {
      case "mlp" -> new MlpVector();
      case "lenet5" -> new LeNet5Vector();
      case "small-cnn" -> new SmallCnnVector();
      default -> throw new IllegalArgumentException(
          "NETWORK is mlp, lenet5 or small-cnn, not " + name);
    };
    float[][] xs = fashion ? fashionImages(1024) : BenchData.mlp(1).xs();
    int pool = xs.length;
    try (StepTeam team = threads > 1 ? StepTeam.of(threads) : null) {
      if (!net.useStepTeam(team) && team != null) {
        throw new IllegalStateException(name + " does not split its passes");
      }
      float[] out = new float[10];
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      long measuredFrom = 0;
      long calls = 0;
      float sum = 0;
      while (System.nanoTime() < end) {
        for (int i = 0; i < 200; i++, calls++) {
          net.predict(xs[(int) (calls % pool)], out);
          sum += out[0];
        }
        if (measuredFrom == 0 && System.nanoTime() - start > WARM_UP_NANOS) {
          measuredFrom = System.nanoTime();
          calls = 0;
        }
      }
      double elapsed = (System.nanoTime() - measuredFrom) / 1e9;
      System.out.printf("%s predict, %d thread%s%s: %.0f examples/s (output sum %.1f)%n", name,
          threads, threads == 1 ? "" : "s", fashion ? ", Fashion images" : "", calls / elapsed,
          sum);
    }
  }

  /** The first {@code n} Fashion-MNIST test images, each pixel b / 255 as netc reads it. */
  static float[][] fashionImages(int n) {
    String dir = System.getenv().getOrDefault("NETC_FASHION_DIR",
        "/usr/share/datasets/fashion-mnist");
    try {
      Dataset d = Idx.read(Path.of(dir, "t10k-images-idx3-ubyte.gz"),
          Path.of(dir, "t10k-labels-idx1-ubyte.gz"), 10, Dataset.Type.FLOAT);
      float[] all = d.floatInputs();
      float[][] xs = new float[n][];
      for (int i = 0; i < n; i++) {
        xs[i] = Arrays.copyOfRange(all, i * 784, (i + 1) * 784);
      }
      return xs;
    } catch (IOException e) {
      throw new UncheckedIOException("Fashion-MNIST test images in " + dir, e);
    }
  }
}
