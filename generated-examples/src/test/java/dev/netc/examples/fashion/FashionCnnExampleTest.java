package dev.netc.examples.fashion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Weights;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short version of the CNN example: one pass over 2048 real images, evaluated on 1000; sized for
 * the per-example convolution kernels (a few hundred training images per second on one core).
 */
class FashionCnnExampleTest {
  private static final Path DATA = FashionMnistExample.DEFAULT_DATA;

  @TempDir Path tmp;

  @Test
  void theNetworkIsTheRepositorysExampleFile() throws IOException {
    // Surefire runs in the module's directory; the example is issue 14's "Small" CNN.
    assertEquals(Files.readString(Path.of("../examples/fashion-cnn.net")),
        Files.readString(Path.of("src/main/netc/dev/netc/examples/fashion/fashion-cnn.net")),
        "generated-examples' fashion-cnn.net must stay a copy of examples/fashion-cnn.net");
  }

  @Test
  void oneShortPassOnRealImagesLearnsAndPredictAgreesWithPredictBatch() throws IOException {
    assumeTrue(FashionMnistExample.dataPresent(DATA),
        "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
    Path weights = tmp.resolve("cnn.safetensors");
    var report = FashionCnnExample.run(
        new FashionMnistExample.Options(DATA, 1, 32, 2048, 1000, weights, 1),
        new PrintStream(System.out, true));
    assertEquals(2048, report.trainCount());
    assertEquals(1000, report.testCount());
    assertTrue(Float.isFinite(report.lastEpochLoss()) && report.lastEpochLoss() < 1.5f,
        "mean training loss " + report.lastEpochLoss());
    // Ten classes: chance is 0.1; 64 optimizer steps of this CNN land near 0.7.
    assertTrue(report.testAccuracy() >= 0.55f, "test accuracy " + report.testAccuracy());

    FashionCnn net = report.net();
    Dataset test = FashionMnistExample.read(DATA, "t10k", 64);
    int n = test.count();
    float[] batchOut = new float[n * FashionCnn.OUTPUT_SIZE];
    net.predictBatch(test.floatInputs(), batchOut, n);
    float[] x = new float[FashionCnn.INPUT_SIZE];
    float[] out = new float[FashionCnn.OUTPUT_SIZE];
    for (int i = 0; i < n; i++) {
      System.arraycopy(test.floatInputs(), i * x.length, x, 0, x.length);
      net.predict(x, out);
      for (int c = 0; c < out.length; c++) {
        // Batched kernels may sum in another order than the one-example path.
        assertEquals(out[c], batchOut[i * out.length + c], 1e-5f, "image " + i + " class " + c);
      }
    }

    FashionCnn reloaded = new FashionCnn(0L);
    Weights.load(weights, reloaded);
    float[] again = new float[n * FashionCnn.OUTPUT_SIZE];
    reloaded.predictBatch(test.floatInputs(), again, n);
    assertArrayEquals(batchOut, again, "the saved weights predict exactly as the trained network");
  }
}
