package dev.netc.cli;

import java.util.List;
import java.util.Locale;

/**
 * A small self-contained SVG line chart of the training loss per epoch (and the test loss when
 * there is one), so a user can see convergence without any plotting tool.
 */
final class LossPlot {
  private static final int WIDTH = 640;
  private static final int HEIGHT = 400;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;

  private LossPlot() {}

  /** Renders the curves; {@code test} may be empty. Values must be finite. */
  static String svg(String title, List<Double> train, List<Double> test) {
    double max = Double.NEGATIVE_INFINITY;
    double min = Double.POSITIVE_INFINITY;
    for (List<Double> series : List.of(train, test)) {
      for (double v : series) {
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
    }
    if (!(max > min)) {
      max = min + 1;
    }
    min = Math.min(0, min);
    int epochs = Math.max(train.size(), test.size());
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
        WIDTH, HEIGHT, WIDTH, HEIGHT));
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    sb.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"24\" font-size=\"15\">%s</text>%n", LEFT, escape(title)));
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;
    sb.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
        LEFT, TOP, plotW, plotH));
    for (int i = 0; i <= 4; i++) {
      double v = min + (max - min) * i / 4;
      double y = TOP + plotH - plotH * (v - min) / (max - min);
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
              + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.4g</text>%n",
          LEFT, y, LEFT + plotW, y, LEFT - 6, y + 4, v));
    }
    sb.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch (1 to %d)</text>%n",
        LEFT + plotW / 2, HEIGHT - 15, epochs));
    polyline(sb, train, epochs, min, max, plotW, plotH, "#1f77b4");
    polyline(sb, test, epochs, min, max, plotW, plotH, "#d62728");
    sb.append(String.format(Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">train loss</text>%n", WIDTH - 200, TOP + 16));
    if (!test.isEmpty()) {
      sb.append(String.format(Locale.ROOT,
          "<text x=\"%d\" y=\"%d\" fill=\"#d62728\">test loss</text>%n", WIDTH - 200, TOP + 32));
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static void polyline(StringBuilder sb, List<Double> values, int epochs, double min,
      double max, int plotW, int plotH, String color) {
    if (values.isEmpty()) {
      return;
    }
    sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(color)
        .append("\" points=\"");
    for (int i = 0; i < values.size(); i++) {
      double x = LEFT + (epochs == 1 ? plotW / 2.0 : plotW * (double) i / (epochs - 1));
      double y = TOP + plotH - plotH * (values.get(i) - min) / (max - min);
      sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    sb.append("\"/>\n");
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
