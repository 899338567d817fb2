package dev.netc.examples.fashion;

import dev.netc.examples.Metrics;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Idx;
import dev.netc.runtime.io.Weights;
import dev.netc.runtime.train.Accuracy;
import dev.netc.runtime.train.Trainer;
import dev.netc.runtime.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Trains the generated {@link FashionMlp} (784-256-128-10, from {@code fashion.net}) on the real
 * Fashion-MNIST IDX files (Debian's {@code dataset-fashion-mnist} installs them under
 * {@code /usr/share/datasets/fashion-mnist}), saves the weights as safetensors, loads them into a
 * fresh instance and reports its test accuracy.
 *
 * <pre>
 * java -cp generated-examples/target/classes:runtime/target/classes \
 *     dev.netc.examples.fashion.FashionMnistExample --epochs 10 --out fashion.safetensors
 * </pre>
 */
public final class FashionMnistExample {
  /** Where Debian's {@code dataset-fashion-mnist} puts the files. */
  public static final Path DEFAULT_DATA = Path.of("/usr/share/datasets/fashion-mnist");

  private FashionMnistExample() {}

  /**
   * What to run.
   *
   * @param trainLimit use only the first this many training images (0: all 60000)
   * @param testLimit evaluate on only the first this many test images (0: all 10000)
   */
  public record Options(Path dataDir, int epochs, int batchSize, int trainLimit, int testLimit,
      Path weights, long shuffleSeed) {}

  /** What a run measured. */
  public record Report(int trainCount, int testCount, float lastEpochLoss, float testAccuracy,
      float reloadedTestAccuracy, double seconds) {}

  /** Whether the four IDX files are in {@code dir}. */
  public static boolean dataPresent(Path dir) {
    for (String name : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
      if (file(dir, name) == null) {
        return false;
      }
    }
    return true;
  }

  /** The file {@code name} or {@code name.gz} in {@code dir}, or null. */
  private static Path file(Path dir, String name) {
    for (Path p : new Path[] {dir.resolve(name + ".gz"), dir.resolve(name)}) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * The {@code prefix} ("train" or "t10k") images and labels of {@code dir}, only the first
   * {@code limit} of them if 0 &lt; limit.
   */
  static Dataset read(Path dir, String prefix, int limit) throws IOException {
    Path images = file(dir, prefix + "-images-idx3-ubyte");
    Path labels = file(dir, prefix + "-labels-idx1-ubyte");
    if (images == null || labels == null) {
      throw new IOException("no Fashion-MNIST " + prefix + " files in '" + dir + "'");
    }
    Dataset all = Idx.read(images, labels, FashionMlp.OUTPUT_SIZE, Dataset.Type.FLOAT);
    return limit > 0 && limit < all.count() ? all.slice(0, limit) : all;
  }

  /**
   * Trains with the library trainer ({@link Trainer}: shuffled mini-batches, the test images
   * evaluated after every epoch), saves, reloads and evaluates, printing one line per epoch.
   */
  public static Report run(Options o, PrintStream log) throws IOException {
    long start = System.nanoTime();
    Dataset train = read(o.dataDir(), "train", o.trainLimit());
    Dataset test = read(o.dataDir(), "t10k", o.testLimit());
    FashionMlp net = new FashionMlp();
    TrainingResult result = Trainer.builder()
        .epochs(o.epochs())
        .batchSize(o.batchSize())
        .seed(o.shuffleSeed())
        .validationData(test)
        .accuracy(Accuracy.ARGMAX)
        .listener(e -> log.printf("epoch %d/%d: mean loss %.4f, test accuracy %.4f (%.1f s)%n",
            e.epoch(), e.epochs(), e.trainLoss(), e.validationAccuracy(),
            (System.nanoTime() - start) / 1e9))
        .build()
        .fit(net, train);
    float accuracy = Metrics.accuracy(net, test, 500);
    Weights.save(o.weights(), net);
    FashionMlp reloaded = new FashionMlp(0L);
    Weights.load(o.weights(), reloaded);
    float reloadedAccuracy = Metrics.accuracy(reloaded, test, 500);
    log.printf("saved %s; reloaded: test accuracy %.4f on %d images%n", o.weights(),
        reloadedAccuracy, test.count());
    return new Report(train.count(), test.count(), (float) result.last().trainLoss(), accuracy,
        reloadedAccuracy, (System.nanoTime() - start) / 1e9);
  }

  /**
   * Options: {@code --data DIR} (default {@link #DEFAULT_DATA}), {@code --epochs N} (10),
   * {@code --batch N} (32), {@code --train-limit N} and {@code --test-limit N} (0: all),
   * {@code --out FILE} (fashion-mlp.safetensors), {@code --seed N} (1).
   */
  public static void main(String[] args) throws IOException {
    Options o = options(args, "FashionMnistExample", Path.of("fashion-mlp.safetensors"));
    Report r = run(o, System.out);
    System.out.printf("fashion-mnist: %d epochs on %d images, test accuracy %.4f, %.1f s%n",
        o.epochs(), r.trainCount(), r.reloadedTestAccuracy(), r.seconds());
  }

  /**
   * Parses the command-line options that both Fashion-MNIST examples take (see {@link #main});
   * a usage mistake prints {@code program}'s usage and exits with status 2.
   */
  static Options options(String[] args, String program, Path defaultOut) {
    Path data = DEFAULT_DATA;
    Path out = defaultOut;
    int epochs = 10;
    int batch = 32;
    int trainLimit = 0;
    int testLimit = 0;
    long seed = 1;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      if (value == null) {
        usage(program, "missing value after '" + args[i] + "'");
      }
      try {
        switch (args[i]) {
          case "--data" -> data = Path.of(value);
          case "--out" -> out = Path.of(value);
          case "--epochs" -> epochs = Integer.parseInt(value);
          case "--batch" -> batch = Integer.parseInt(value);
          case "--train-limit" -> trainLimit = Integer.parseInt(value);
          case "--test-limit" -> testLimit = Integer.parseInt(value);
          case "--seed" -> seed = Long.parseLong(value);
          default -> usage(program, "unknown option '" + args[i] + "'");
        }
      } catch (NumberFormatException e) {
        usage(program, "'" + value + "' is not a number");
      }
      i++;
    }
    if (epochs < 1 || batch < 1 || trainLimit < 0 || testLimit < 0) {
      usage(program, "--epochs and --batch must be at least 1, the limits at least 0");
    }
    if (!dataPresent(data)) {
      usage(program, "no Fashion-MNIST IDX files in '" + data
          + "' (apt-get install dataset-fashion-mnist)");
    }
    return new Options(data, epochs, batch, trainLimit, testLimit, out, seed);
  }

  private static void usage(String program, String problem) {
    System.err.println("error: " + problem);
    System.err.println("usage: " + program + " [--data DIR] [--epochs N] [--batch N]"
        + " [--train-limit N] [--test-limit N] [--out FILE] [--seed N]");
    System.exit(2);
  }
}
