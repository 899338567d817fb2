package dev.netc.examples.iris;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.io.Dataset;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class IrisExampleTest {

  @Test
  void bundledDataIsTheClassic150FlowerSet() throws IOException {
    Dataset all = IrisExample.load();
    assertEquals(150, all.count());
    int[] perClass = new int[3];
    double sepalLength = 0;
    for (int i = 0; i < all.count(); i++) {
      perClass[all.label(i)]++;
      sepalLength += all.floatInputs()[i * 4];
    }
    assertEquals("[50, 50, 50]", java.util.Arrays.toString(perClass));
    // The published mean sepal length of the whole set.
    assertEquals(5.843, sepalLength / 150, 0.0005);
  }

  @Test
  void splitKeepsTenFlowersPerSpeciesForTesting() throws IOException {
    Dataset[] parts = IrisExample.split(IrisExample.load(), 4);
    assertEquals(120, parts[0].count());
    assertEquals(30, parts[1].count());
    int[] perClass = new int[3];
    for (int i = 0; i < parts[1].count(); i++) {
      perClass[parts[1].label(i)]++;
    }
    assertEquals("[10, 10, 10]", java.util.Arrays.toString(perClass));
  }

  @Test
  void generatedClassifierReachesNinetyPercentOnFlowersItNeverSaw() {
    float accuracy = IrisExample.crossValidatedAccuracy(100, 1);
    System.out.printf("iris: 5-fold cross-validated accuracy %.3f%n", accuracy);
    assertTrue(accuracy >= 0.9f, "cross-validated accuracy " + accuracy);
    IrisExample.Result one = IrisExample.train(0, 100, 1);
    assertTrue(one.trainAccuracy() >= 0.95f, "train accuracy " + one.trainAccuracy());
  }
}
