package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code netc train} and {@code netc eval} on the real Fashion-MNIST files from Debian's
 * {@code dataset-fashion-mnist} (skipped when they are not installed). One epoch here; the README
 * gives the 10-epoch figure.
 */
class FashionMnistCliTest {
  private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");

  @TempDir Path dir;

  @Test
  void oneEpochOfTheBundledExampleReachesEightyPercent() throws IOException {
    Path images = DATA.resolve("train-images-idx3-ubyte.gz");
    Path testImages = DATA.resolve("t10k-images-idx3-ubyte.gz");
    assumeTrue(Files.exists(images) && Files.exists(testImages),
        "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
    Path model = Path.of("..", "examples", "fashion.net");
    Path weights = dir.resolve("fashion.safetensors");
    CliRunner train = CliRunner.run("train", model.toString(), "--data", images.toString(),
        "--test", testImages.toString(), "--epochs", "1", "--batch", "32", "--out",
        weights.toString());
    assertEquals(0, train.exitCode(), train::toString);
    double trainAccuracy = percent(train.out(), "test acc ([0-9.]+)%");
    assertTrue(trainAccuracy >= 80, train::toString);
    assertTrue(Files.exists(dir.resolve("fashion.svg")));

    CliRunner eval = CliRunner.run("eval", model.toString(), "--params", weights.toString(),
        "--data", testImages.toString());
    assertEquals(0, eval.exitCode(), eval::toString);
    assertEquals(trainAccuracy, percent(eval.out(), "accuracy\\s+([0-9.]+)%"), 0.005,
        eval::toString);
    assertTrue(eval.out().contains("examples  10000"), eval::toString);
  }

  private static double percent(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), () -> "no match for " + regex + " in\n" + text);
    return Double.parseDouble(m.group(1));
  }
}
