package dev.netc.cli;

import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.train.EpochReport;
import dev.netc.runtime.train.TrainingListener;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code netc train} prints while it trains: a progress bar on a terminal, one line per
 * epoch (on a non-terminal at most about {@link #MAX_LINES} of them plus the last), nothing with
 * {@code --quiet}. Also evaluates the test data (or, without test and validation data, the
 * training data) after every epoch for the lines and the loss plot.
 */
final class TrainReporter implements TrainingListener {
  /** Epoch lines a log gets at most (plus the last epoch's) when it is not a terminal. */
  static final int MAX_LINES = 20;

  private final Engine engine;
  private final Dataset test;
  private final Dataset train;
  private final PrintWriter out;
  private final boolean quiet;
  private final boolean terminal;
  private final Progress progress;
  private final List<Double> testLosses = new ArrayList<>();
  private final List<Double> testAccuracies = new ArrayList<>();
  private String pending;
  private int preWarmSteps;
  /** The metrics of the last epoch's line, of the dataset {@link #lastEvaluated}. */
  private Metrics lastMetrics;
  private Dataset lastEvaluated;
  private int lastEpoch;

  TrainReporter(Engine engine, Dataset test, Dataset train, PrintWriter out, boolean quiet,
      boolean terminal) {
    this.engine = engine;
    this.test = test;
    this.train = train;
    this.out = out;
    this.quiet = quiet;
    this.terminal = terminal;
    this.progress = new Progress(out, terminal && !quiet);
  }

  @Override
  public void onStep(int epoch, int epochs, int step, int steps, double meanLoss) {
    progress.update(epoch, epochs, step, steps, meanLoss);
  }

  /** Notes the throwaway steps trained on random rows while the data loaded. */
  void preWarmed(int steps) {
    preWarmSteps = steps;
  }

  @Override
  public void onWarmUp(int steps, long nanos) {
    progress.clear();
    println(String.format(Locale.ROOT, "warm-up: %d steps while the JIT compiled the class, "
        + "%.1f s (in the epoch times)%s", steps, nanos / 1e9, preWarmSteps == 0 ? ""
        : String.format(Locale.ROOT, "; before them %d throwaway step%s on random rows while "
            + "the data loaded", preWarmSteps, preWarmSteps == 1 ? "" : "s")));
  }

  @Override
  public void onEpoch(EpochReport r) {
    progress.clear();
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
        "epoch %" + digits(r.epochs()) + "d/%d  loss %.6f", r.epoch(), r.epochs(), r.trainLoss()));
    if (r.hasValidation()) {
      line.append(String.format(Locale.ROOT, "  val loss %.6f", r.validationLoss()));
      if (!Double.isNaN(r.validationAccuracy())) {
        line.append(String.format(Locale.ROOT, "  val acc %.2f%%", 100 * r.validationAccuracy()));
      }
      line.append(r.best() ? " *" : "");
    }
    if (test != null || !r.hasValidation()) {
      Dataset evaluated = test != null ? test : train;
      Metrics last = Metrics.of(engine, evaluated);
      lastMetrics = last;
      lastEvaluated = evaluated;
      lastEpoch = r.epoch();
      if (!Double.isFinite(last.loss())) {
        throw new UserException("training diverged in epoch " + r.epoch() + ": the parameters "
            + "are no longer finite; nothing was written");
      }
      String which = test != null ? "test" : "train";
      if (test != null) {
        testLosses.add(last.loss());
        testAccuracies.add(last.hasAccuracy() ? last.accuracy() : Double.NaN);
        line.append(String.format(Locale.ROOT, "  test loss %.6f", last.loss()));
      }
      if (last.hasAccuracy()) {
        line.append(String.format(Locale.ROOT, "  %s acc %.2f%%", which, 100 * last.accuracy()));
      }
    }
    line.append(String.format(Locale.ROOT, "  %.1f s  %.0f samples/s", r.nanos() / 1e9,
        r.samplesPerSecond()));
    int every = terminal ? 1 : Math.max(1, (r.epochs() + MAX_LINES - 1) / MAX_LINES);
    pending = line.toString();
    if (r.epoch() % every == 0 || r.epoch() == r.epochs()) {
      flushPending();
    }
  }

  /** Prints the last epoch's line if the summary skipped it (training stopped early). */
  void flushPending() {
    if (pending != null && !quiet) {
      out.println(pending);
      out.flush();
    }
    pending = null;
  }

  /** Prints a line unless quiet. */
  void println(String text) {
    if (!quiet) {
      out.println(text);
      out.flush();
    }
  }

  /**
   * The metrics an epoch line measured on {@code data} after epoch {@code epoch}, or null if the
   * line measured other data or another epoch.
   */
  Metrics lastMetrics(Dataset data, int epoch) {
    return data == lastEvaluated && epoch == lastEpoch ? lastMetrics : null;
  }

  /** Test loss per epoch of this run (empty without test data). */
  List<Double> testLosses() {
    return testLosses;
  }

  /** Test accuracy per epoch of this run (NaN without an accuracy). */
  List<Double> testAccuracies() {
    return testAccuracies;
  }

  private static int digits(int n) {
    return Integer.toString(n).length();
  }
}
