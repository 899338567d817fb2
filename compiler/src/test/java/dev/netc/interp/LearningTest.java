package dev.netc.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Activation;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.WeightInit;
import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** End-to-end training on small problems with known answers, in float and in double. */
class LearningTest {

  private static Layer dense(int index, int in, int out, Activation act) {
    return new Dense("dense" + (index + 1), index, in, out, act,
        new WeightInit(act.isReluFamily() ? Init.Scheme.HE : Init.Scheme.XAVIER, 0));
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void xor(Precision p) {
    Network net = new Network("xor", "xor.net", 2,
        List.of(dense(0, 2, 4, new Activation.Tanh()), dense(1, 4, 1, new Activation.Sigmoid())),
        Optional.of(new Loss.BinaryCrossEntropy(LossReduction.MEAN)),
        new Optimizer.Adam(0.05, 0.9, 0.999, 1e-8, 0), 42L, p);
    Interpreter in = new Interpreter(net);
    double[] xs = {0, 0, 0, 1, 1, 0, 1, 1};
    double[] ts = {0, 1, 1, 0};
    double first = in.loss(xs, ts, 4);
    for (int step = 0; step < 1000; step++) {
      in.trainBatch(xs, ts, 4);
    }
    double loss = in.loss(xs, ts, 4);
    assertTrue(loss < 0.05, "xor loss " + first + " -> " + loss);
    double[] y = new double[4];
    in.predictBatch(xs, y, 4);
    for (int i = 0; i < 4; i++) {
      assertEquals(ts[i], y[i], 0.2, "xor output " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void linearRegressionRecoversCoefficients(Precision p) {
    double[] w = {2.0, -3.0, 0.5};
    double bias = 1.25;
    int n = 64;
    Random rnd = new Random(3);
    double[] xs = new double[n * 3];
    double[] ts = new double[n];
    for (int i = 0; i < n; i++) {
      double y = bias;
      for (int k = 0; k < 3; k++) {
        xs[i * 3 + k] = p.round(rnd.nextGaussian());
        y += w[k] * xs[i * 3 + k];
      }
      ts[i] = p.round(y);
    }
    Network net = new Network("linreg", "linreg.net", 3,
        List.of(dense(0, 3, 1, new Activation.Identity())),
        Optional.of(new Loss.Mse(LossReduction.MEAN)), new Optimizer.Sgd(0.05, 0.9, true, 0), 9L,
        p);
    Interpreter in = new Interpreter(net);
    for (int epoch = 0; epoch < 500; epoch++) {
      in.trainBatch(xs, ts, n);
    }
    double[] params = new double[4];
    in.getParameters(params);
    double tol = p == Precision.FLOAT ? 1e-4 : 1e-9;
    for (int k = 0; k < 3; k++) {
      assertEquals(w[k], params[k], tol, "weight " + k);
    }
    assertEquals(bias, params[3], tol, "bias");
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void softmaxSeparatesThreeBlobs(Precision p) {
    double[][] centers = {{0, 2.5}, {2.5, -1.5}, {-2.5, -1.5}};
    Random rnd = new Random(11);
    int train = 300;
    int test = 300;
    double[] xs = new double[train * 2];
    double[] ts = new double[train];
    blobs(rnd, centers, xs, ts, p);
    double[] testXs = new double[test * 2];
    double[] testTs = new double[test];
    blobs(rnd, centers, testXs, testTs, p);

    Network net = new Network("blobs", "blobs.net", 2,
        List.of(dense(0, 2, 16, new Activation.Relu()), dense(1, 16, 3, new Activation.Softmax())),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 1e-4), 5L, p);
    Interpreter in = new Interpreter(net);
    int batch = 30;
    double[] bx = new double[batch * 2];
    double[] bt = new double[batch];
    for (int epoch = 0; epoch < 20; epoch++) {
      for (int start = 0; start < train; start += batch) {
        System.arraycopy(xs, start * 2, bx, 0, batch * 2);
        System.arraycopy(ts, start, bt, 0, batch);
        in.trainBatch(bx, bt, batch);
      }
    }
    double[] y = new double[test * 3];
    in.predictBatch(testXs, y, test);
    int correct = 0;
    for (int i = 0; i < test; i++) {
      int best = 0;
      for (int c = 1; c < 3; c++) {
        if (y[i * 3 + c] > y[i * 3 + best]) {
          best = c;
        }
      }
      correct += best == (int) testTs[i] ? 1 : 0;
    }
    double accuracy = correct / (double) test;
    assertTrue(accuracy > 0.95, "accuracy " + accuracy);
  }

  /** Points around the centers with σ = 0.8, classes in turn so every batch mixes them. */
  private static void blobs(Random rnd, double[][] centers, double[] xs, double[] ts,
      Precision p) {
    for (int i = 0; i < ts.length; i++) {
      int c = i % centers.length;
      ts[i] = c;
      xs[2 * i] = p.round(centers[c][0] + 0.8 * rnd.nextGaussian());
      xs[2 * i + 1] = p.round(centers[c][1] + 0.8 * rnd.nextGaussian());
    }
  }
}
