package dev.netc.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar redrawn with carriage returns on a terminal; silent otherwise, so logs
 * and pipes get only the per-epoch lines.
 */
final class Progress {
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int WIDTH = 30;
  private final PrintWriter out;
  private final boolean terminal;
  private long lastDraw;
  private boolean drawn;

  Progress(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** Redraws the bar at most ten times a second. */
  void update(int epoch, int epochs, int step, int steps, double loss) {
    if (!terminal) {
      return;
    }
    long now = System.nanoTime();
    if (drawn && now - lastDraw < REDRAW_NANOS && step != steps) {
      return;
    }
    lastDraw = now;
    drawn = true;
    int filled = (int) ((long) WIDTH * step / steps);
    out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %3d%%  loss %.5f", epoch, epochs,
        "=".repeat(filled), " ".repeat(WIDTH - filled), 100L * step / steps, loss);
    out.flush();
  }

  /** Erases the bar so the next line starts clean. */
  void clear() {
    if (terminal && drawn) {
      out.print("\r" + " ".repeat(WIDTH + 50) + "\r");
      out.flush();
      drawn = false;
    }
  }
}
