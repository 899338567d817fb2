package dev.netc.cli;

import dev.netc.runtime.train.EpochReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small self-contained SVG chart of a training run, readable without any plotting tool: train,
 * validation and test loss per epoch on the left axis, validation and test accuracy (when the
 * loss has one) in percent on the right axis, with round tick values and epoch numbers.
 */
final class LossPlot {
  private static final int WIDTH = 720;
  private static final int HEIGHT = 420;
  private static final int LEFT = 70;
  private static final int RIGHT = 60;
  private static final int TOP = 66;
  private static final int BOTTOM = 50;
  private static final int PLOT_W = WIDTH - LEFT - RIGHT;
  private static final int PLOT_H = HEIGHT - TOP - BOTTOM;

  /** One curve: its values per epoch (NaN where there is none), its label and colour. */
  private record Series(List<Double> values, String label, String color, boolean dashed) {
    boolean present() {
      return values.stream().anyMatch(v -> Double.isFinite(v));
    }
  }

  private LossPlot() {}

  /**
   * Renders a run: {@code history} gives train and validation losses and validation accuracy;
   * {@code testLoss} and {@code testAccuracy} have one value per epoch (NaN where unknown).
   */
  static String svg(String title, List<EpochReport> history, List<Double> testLoss,
      List<Double> testAccuracy) {
    List<Series> losses = List.of(
        new Series(map(history, EpochReport::trainLoss), "train loss", "#1f77b4", false),
        new Series(map(history, EpochReport::validationLoss), "validation loss", "#ff7f0e",
            false),
        new Series(testLoss, "test loss", "#d62728", false));
    List<Series> accuracies = List.of(
        new Series(percent(map(history, EpochReport::validationAccuracy)), "validation accuracy",
            "#ff7f0e", true),
        new Series(percent(testAccuracy), "test accuracy", "#2ca02c", true));
    int epochs = Math.max(1, history.size());
    double top = Ticks.niceMax(max(losses));
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n"
            + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"
            + "<text x=\"%d\" y=\"24\" font-size=\"15\">%s</text>%n",
        WIDTH, HEIGHT, WIDTH, HEIGHT, LEFT, escape(title)));
    boolean anyAccuracy = accuracies.stream().anyMatch(Series::present);
    axes(sb, epochs, top, anyAccuracy);
    int legend = 0;
    for (Series s : losses) {
      legend = draw(sb, s, epochs, top, legend);
    }
    for (Series s : accuracies) {
      legend = draw(sb, s, epochs, 100, legend);
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static void axes(StringBuilder sb, int epochs, double top, boolean accuracy) {
    sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
        + "fill=\"none\" stroke=\"#888\"/>%n", LEFT, TOP, PLOT_W, PLOT_H));
    double step = top / 5;
    for (int i = 0; i <= 5; i++) {
      double y = y(step * i, top);
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
              + "stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
          LEFT, y, LEFT + PLOT_W, y, LEFT - 6, y + 4, Ticks.label(step * i, step)));
      if (accuracy) {
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" fill=\"#2ca02c\">"
            + "%d%%</text>%n", LEFT + PLOT_W + 6, y + 4, 20 * i));
      }
    }
    if (accuracy) {
      int x = WIDTH - 12;
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" transform=\"rotate(90 %d "
          + "%d)\" text-anchor=\"middle\" fill=\"#2ca02c\">accuracy</text>%n", x,
          TOP + PLOT_H / 2, x, TOP + PLOT_H / 2));
    }
    int every = Ticks.epochStep(epochs);
    for (int e = 1; e <= epochs; e++) {
      if (e == 1 || e % every == 0) {
        double x = x(e, epochs);
        sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                + "stroke=\"#888\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n",
            x, TOP + PLOT_H, x, TOP + PLOT_H + 5, x, TOP + PLOT_H + 18, e));
      }
    }
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch"
        + "</text>%n<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" "
        + "text-anchor=\"middle\">loss</text>%n", LEFT + PLOT_W / 2, HEIGHT - 12,
        TOP + PLOT_H / 2, TOP + PLOT_H / 2));
  }

  /** Draws a series if it has values; returns the next legend slot. */
  private static int draw(StringBuilder sb, Series s, int epochs, double top, int legend) {
    if (!s.present()) {
      return legend;
    }
    String dash = s.dashed() ? " stroke-dasharray=\"6 3\"" : "";
    StringBuilder points = new StringBuilder();
    for (int i = 0; i < s.values().size(); i++) {
      double v = s.values().get(i);
      if (Double.isFinite(v)) {
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(i + 1, epochs),
            y(Math.min(v, top), top)));
      }
    }
    sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke-width=\"2\" "
        + "stroke=\"%s\"%s points=\"%s\"/>%n", s.color(), dash, points.toString().strip()));
    int lx = LEFT + (legend % 3) * 190;
    int ly = 42 + (legend / 3) * 16;
    sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
            + "stroke=\"%s\" stroke-width=\"2\"%s/><text x=\"%d\" y=\"%d\">%s</text>%n",
        lx, ly - 4, lx + 20, ly - 4, s.color(), dash, lx + 24, ly, s.label()));
    return legend + 1;
  }

  private static double x(int epoch, int epochs) {
    return LEFT + (epochs == 1 ? PLOT_W / 2.0 : PLOT_W * (double) (epoch - 1) / (epochs - 1));
  }

  private static double y(double v, double top) {
    return TOP + PLOT_H - PLOT_H * v / top;
  }

  private static double max(List<Series> series) {
    double max = 0;
    for (Series s : series) {
      for (double v : s.values()) {
        if (Double.isFinite(v)) {
          max = Math.max(max, v);
        }
      }
    }
    return max;
  }

  private static List<Double> map(List<EpochReport> history,
      java.util.function.ToDoubleFunction<EpochReport> field) {
    List<Double> values = new ArrayList<>();
    history.forEach(r -> values.add(field.applyAsDouble(r)));
    return values;
  }

  private static List<Double> percent(List<Double> fractions) {
    List<Double> values = new ArrayList<>();
    fractions.forEach(f -> values.add(100 * f));
    return values;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
