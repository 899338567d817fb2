package dev.netc.cli;

import java.math.BigDecimal;

/** Round axis values for {@link LossPlot}: 1, 2 or 5 times a power of ten. */
final class Ticks {
  private Ticks() {}

  /** The smallest 5 × (1, 2 or 5 × 10^k) at least {@code max}: five round steps from 0. */
  static double niceMax(double max) {
    if (!(max > 0) || Double.isInfinite(max)) {
      return 1;
    }
    double raw = max / 5;
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= raw * (1 - 1e-12)) {
        return 5 * m * power;
      }
    }
    return 50 * power;
  }

  /** {@code v} printed with no more digits than the step needs (0.05 → "0.05", 2 → "2"). */
  static String label(double v, double step) {
    int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
    return new BigDecimal(v).setScale(decimals, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros().toPlainString();
  }

  /** Epochs between labelled ticks: 1, 2, 5, 10, 20, 50 … so that at most ~10 are labelled. */
  static int epochStep(int epochs) {
    int step = 1;
    while (epochs / step > 10) {
      // 1, 2, 5, 10, 20, 50, ...: a step starting with 2 grows by 5/2, the others double.
      step = Integer.toString(step).charAt(0) == '2' ? step / 2 * 5 : step * 2;
    }
    return step;
  }
}
