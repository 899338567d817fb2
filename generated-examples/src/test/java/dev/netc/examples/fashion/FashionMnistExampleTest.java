package dev.netc.examples.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short version of the example: one epoch on 6000 real images, evaluated on 2000. */
class FashionMnistExampleTest {
  @TempDir Path tmp;

  @Test
  void oneShortEpochOnRealDataGivesASaneAccuracyThatSurvivesSaveAndLoad() throws IOException {
    Path data = FashionMnistExample.DEFAULT_DATA;
    assumeTrue(FashionMnistExample.dataPresent(data),
        "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
    Path weights = tmp.resolve("fashion.safetensors");
    var report = FashionMnistExample.run(
        new FashionMnistExample.Options(data, 1, 32, 6000, 2000, weights, 1), System.out);
    assertEquals(6000, report.trainCount());
    assertEquals(2000, report.testCount());
    assertTrue(Files.size(weights) > 4L * FashionMlp.PARAMETER_COUNT, "weights file too small");
    // Ten classes: chance is 0.1; one short epoch of this MLP lands well above 0.7.
    assertTrue(report.testAccuracy() >= 0.7f, "test accuracy " + report.testAccuracy());
    assertEquals(report.testAccuracy(), report.reloadedTestAccuracy(),
        "reloaded float weights must predict exactly the same");
  }
}
