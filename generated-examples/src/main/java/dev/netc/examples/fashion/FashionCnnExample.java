package dev.netc.examples.fashion;

import dev.netc.examples.Metrics;
import dev.netc.examples.fashion.FashionMnistExample.Options;
import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Weights;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Trains the generated convolutional {@link FashionCnn} (issue 14's "Small" CNN, from
 * {@code fashion-cnn.net}, a copy of {@code examples/fashion-cnn.net}) on the real Fashion-MNIST
 * IDX files with a hand-written loop over the generated class's own API: shuffled mini-batches
 * through {@code trainBatch}, the test images through {@code predictBatch} after every epoch, and
 * a few single images through {@code predict}. The IDX images feed {@code input 1x28x28} as they
 * are (row-major pixels of one channel).
 *
 * <pre>
 * java -cp generated-examples/target/classes:runtime/target/classes \
 *     dev.netc.examples.fashion.FashionCnnExample --epochs 10 --out fashion-cnn.safetensors
 * </pre>
 */
public final class FashionCnnExample {
  /** Fashion-MNIST's class names, by label. */
  public static final String[] CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

  private FashionCnnExample() {}

  /**
   * What a run measured.
   *
   * @param lastEpochLoss mean training loss of the last epoch's batches
   * @param testAccuracy after the last epoch, from {@code predictBatch}
   * @param trainingSamplesPerSecond training images per second of {@code trainBatch} time
   * @param net the trained network
   */
  public record Report(int trainCount, int testCount, float lastEpochLoss, float testAccuracy,
      double trainingSamplesPerSecond, FashionCnn net) {}

  /**
   * Trains for {@code o.epochs()} epochs, printing one line per epoch, shows the predictions for
   * the first test images and saves the weights as safetensors when {@code o.weights()} is set.
   */
  public static Report run(Options o, PrintStream log) throws IOException {
    long start = System.nanoTime();
    Dataset train = FashionMnistExample.read(o.dataDir(), "train", o.trainLimit());
    Dataset test = FashionMnistExample.read(o.dataDir(), "t10k", o.testLimit());
    FashionCnn net = new FashionCnn();
    SplitMix64 shuffle = new SplitMix64(o.shuffleSeed());
    long trainingNanos = 0;
    float loss = Float.NaN;
    float accuracy = Float.NaN;
    for (int epoch = 1; epoch <= o.epochs(); epoch++) {
      long epochStart = System.nanoTime();
      loss = trainEpoch(net, train, o.batchSize(), shuffle);
      long epochNanos = System.nanoTime() - epochStart;
      trainingNanos += epochNanos;
      accuracy = Metrics.accuracy(net, test, 500);
      log.printf("epoch %d/%d: mean loss %.4f, test accuracy %.4f, %.0f training samples/s"
          + " (%.1f s)%n", epoch, o.epochs(), loss, accuracy, train.count() / (epochNanos / 1e9),
          (System.nanoTime() - start) / 1e9);
    }
    showPredictions(net, test, Math.min(5, test.count()), log);
    if (o.weights() != null) {
      Weights.save(o.weights(), net);
      log.printf("saved %s%n", o.weights());
    }
    return new Report(train.count(), test.count(), loss, accuracy,
        (double) o.epochs() * train.count() / (trainingNanos / 1e9), net);
  }

  /**
   * One shuffled pass over {@code data} in mini-batches of {@code batchSize} (the last one
   * smaller), each one optimizer step of {@code trainBatch}; returns the mean of the batch losses.
   */
  static float trainEpoch(FashionCnn net, Dataset data, int batchSize, SplitMix64 rng) {
    int[] order = data.order();
    Dataset.shuffle(order, rng);
    float[] xs = new float[batchSize * FashionCnn.INPUT_SIZE];
    float[] ts = new float[batchSize * data.targetWidth()];
    double sum = 0;
    int batches = 0;
    for (int from = 0; from < data.count(); from += batchSize) {
      int n = Math.min(batchSize, data.count() - from);
      data.gather(order, from, n, xs, ts);
      sum += net.trainBatch(xs, ts, n);
      batches++;
    }
    return (float) (sum / batches);
  }

  /** Prints the predicted class, its probability and the true class of the first images. */
  private static void showPredictions(FashionCnn net, Dataset test, int count, PrintStream log) {
    float[] x = new float[FashionCnn.INPUT_SIZE];
    float[] p = new float[FashionCnn.OUTPUT_SIZE];
    for (int i = 0; i < count; i++) {
      System.arraycopy(test.floatInputs(), i * x.length, x, 0, x.length);
      net.predict(x, p);
      int c = Metrics.argmax(p, 0, p.length);
      log.printf("test image %d: %s (%.1f %%), labelled %s%n", i, CLASSES[c], 100 * p[c],
          CLASSES[test.label(i)]);
    }
  }

  /**
   * Options as {@link FashionMnistExample#main}'s, except that {@code --out FILE} has no default
   * (nothing is saved without it). Ten epochs on all 60000 images is issue 14's accuracy run.
   */
  public static void main(String[] args) throws IOException {
    Options o = FashionMnistExample.options(args, "FashionCnnExample", null);
    Report r = run(o, System.out);
    System.out.printf("fashion-mnist cnn: %d epochs on %d images, test accuracy %.4f on %d, "
        + "%.0f training samples/s%n", o.epochs(), r.trainCount(), r.testAccuracy(),
        r.testCount(), r.trainingSamplesPerSecond());
  }
}
