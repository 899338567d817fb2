package dev.netc.examples.iris;

import dev.netc.examples.Metrics;
import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.io.Csv;
import dev.netc.runtime.io.CsvLayout;
import dev.netc.runtime.io.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Trains the generated {@link IrisClassifier} (4-16-3, from {@code iris.net}) on Fisher's Iris
 * data, bundled as {@code iris.csv} (150 rows: 4 measurements in cm, then the species index 0
 * setosa, 1 versicolor, 2 virginica), and reports the accuracy on 30 held-out flowers.
 */
public final class IrisExample {
  /** Number of species. */
  static final int CLASSES = 3;

  private IrisExample() {}

  /** Accuracies after training. */
  public record Result(float trainAccuracy, float testAccuracy, int trainCount, int testCount) {}

  /** The 150 flowers, read with the runtime's CSV reader from the bundled resource. */
  public static Dataset load() throws IOException {
    try (InputStream in = IrisExample.class.getResourceAsStream("iris.csv")) {
      if (in == null) {
        throw new IOException("iris.csv is missing from the class path");
      }
      Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
      return Csv.read(reader, "iris.csv", CsvLayout.classes(4, CLASSES), Dataset.Type.FLOAT);
    }
  }

  /**
   * Splits off every fifth flower, starting at {@code fold} (0 to 4), as the test set (10 per
   * species, since the file is grouped by species) and standardizes both parts with the training
   * set's mean and deviation.
   */
  static Dataset[] split(Dataset all, int fold) {
    int n = all.count();
    int testCount = n / 5;
    float[] trainX = new float[(n - testCount) * 4];
    float[] trainT = new float[n - testCount];
    float[] testX = new float[testCount * 4];
    float[] testT = new float[testCount];
    float[] x = all.floatInputs();
    float[] t = all.floatTargets();
    int tr = 0;
    int te = 0;
    for (int i = 0; i < n; i++) {
      if (i % 5 == fold && te < testCount) {
        System.arraycopy(x, i * 4, testX, te * 4, 4);
        testT[te++] = t[i];
      } else {
        System.arraycopy(x, i * 4, trainX, tr * 4, 4);
        trainT[tr++] = t[i];
      }
    }
    standardize(trainX, testX, 4);
    return new Dataset[] {
      Dataset.ofFloats(trainX, trainT, 4, 1, CLASSES), Dataset.ofFloats(testX, testT, 4, 1, CLASSES)
    };
  }

  /** Scales each feature to mean 0 and deviation 1 on {@code train}; applies the same to test. */
  private static void standardize(float[] train, float[] test, int width) {
    int rows = train.length / width;
    for (int f = 0; f < width; f++) {
      double sum = 0;
      double sq = 0;
      for (int r = 0; r < rows; r++) {
        sum += train[r * width + f];
        sq += (double) train[r * width + f] * train[r * width + f];
      }
      double mean = sum / rows;
      double sd = Math.sqrt(Math.max(sq / rows - mean * mean, 1e-12));
      for (float[] a : new float[][] {train, test}) {
        for (int i = f; i < a.length; i += width) {
          a[i] = (float) ((a[i] - mean) / sd);
        }
      }
    }
  }

  /**
   * Trains on four fifths of the flowers with mini-batches of 8, reshuffled every epoch, and
   * measures the accuracy on both parts.
   *
   * @param fold which fifth is held out for testing, 0 to 4
   */
  public static Result train(int fold, int epochs, long shuffleSeed) {
    Dataset[] parts;
    try {
      parts = split(load(), fold);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Dataset train = parts[0];
    IrisClassifier net = new IrisClassifier();
    int batch = 8;
    float[] xs = new float[batch * IrisClassifier.INPUT_SIZE];
    float[] ts = new float[batch];
    int[] order = train.order();
    SplitMix64 rng = new SplitMix64(shuffleSeed);
    for (int epoch = 0; epoch < epochs; epoch++) {
      Dataset.shuffle(order, rng);
      for (int from = 0; from + batch <= order.length; from += batch) {
        train.gather(order, from, batch, xs, ts);
        net.trainBatch(xs, ts, batch);
      }
    }
    return new Result(Metrics.accuracy(net, train, 64), Metrics.accuracy(net, parts[1], 64),
        train.count(), parts[1].count());
  }

  /**
   * Five-fold cross-validation: each flower is predicted exactly once by a network that never saw
   * it. Returns the accuracy over all 150 predictions, a steadier figure than one 30-flower split.
   */
  public static float crossValidatedAccuracy(int epochs, long shuffleSeed) {
    float correct = 0;
    int total = 0;
    for (int fold = 0; fold < 5; fold++) {
      Result r = train(fold, epochs, shuffleSeed);
      correct += r.testAccuracy() * r.testCount();
      total += r.testCount();
    }
    return correct / total;
  }

  /** Trains for 100 epochs per fold and prints the accuracies. */
  public static void main(String[] args) {
    for (int fold = 0; fold < 5; fold++) {
      Result r = train(fold, 100, 1);
      System.out.printf("iris fold %d: train accuracy %.3f (%d flowers), test accuracy %.3f"
          + " (%d flowers)%n", fold, r.trainAccuracy(), r.trainCount(), r.testAccuracy(),
          r.testCount());
    }
    System.out.printf("iris: 5-fold cross-validated accuracy %.3f%n",
        crossValidatedAccuracy(100, 1));
  }
}
