package dev.netc.examples.regression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.TrainableDoubleNetwork;
import org.junit.jupiter.api.Test;

class RegressionExampleTest {

  @Test
  void generatedDoubleNetworkFitsTheWave() {
    WaveRegressor net = new WaveRegressor();
    RegressionExample.Result r = RegressionExample.train(net, 300);
    System.out.printf("regression: test mse %.5f (baseline %.5f)%n", r.testMse(),
        r.baselineMse());
    assertTrue(r.testMse() < 0.01, "test mse " + r.testMse());
    assertTrue(r.testMse() < r.baselineMse() / 20, "not much better than predicting 0");
  }

  @Test
  void doublePrecisionGradientMatchesCentralDifferencesClosely() {
    TrainableDoubleNetwork net = new WaveRegressor(5L);
    double[] xs = {0.3, -1.2, 1.7, 0.4, -0.8, -0.1};
    double[] ts = {0.2, -0.5, 0.9};
    double[] p = new double[net.parameterCount()];
    double[] grad = new double[p.length];
    net.getParameters(p);
    net.gradient(xs, ts, 3, grad);
    double h = 1e-6;
    double worst = 0;
    for (int i = 0; i < p.length; i++) {
      double saved = p[i];
      p[i] = saved + h;
      net.setParameters(p);
      double up = net.loss(xs, ts, 3);
      p[i] = saved - h;
      net.setParameters(p);
      double down = net.loss(xs, ts, 3);
      p[i] = saved;
      double numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - grad[i]) / Math.max(1e-3, Math.abs(grad[i])));
    }
    net.setParameters(p);
    // In float the same check only gets to about 1e-2; double gives about 1e-8.
    assertTrue(worst < 1e-6, "worst relative gradient error " + worst);
    assertEquals(WaveRegressor.PARAMETER_COUNT, p.length);
  }
}
