package dev.netc.cli;

import dev.netc.ir.Network;
import dev.netc.runtime.SplitMix64;
import dev.netc.runtime.io.AtomicFile;
import dev.netc.runtime.io.Dataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netc train}: trains a network on CSV or IDX data and saves its weights. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Trains the network with its optimizer (generated code compiled in memory, or "
        + "the interpreter) and writes the weights as safetensors plus a loss curve as SVG.")
final class TrainCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Mixin DataOptions data;

  @Mixin EngineOptions engineOptions;

  @Option(names = "--test", paramLabel = "FILE", description = "Test data, evaluated each epoch.")
  Path test;

  @Option(names = "--test-labels", paramLabel = "FILE", description = "IDX label file for --test.")
  Path testLabels;

  @Option(names = "--epochs", paramLabel = "E", defaultValue = "10",
      description = "Passes over the data (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "32",
      description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--no-shuffle", description = "Keep the data order instead of reshuffling.")
  boolean noShuffle;

  @Option(names = "--seed", paramLabel = "S",
      description = "Seed for initialization and shuffling (default: the .net file's seed).")
  Long seed;

  @Option(names = "--params-in", paramLabel = "FILE",
      description = "Start from these weights (safetensors) instead of the seeded initialization.")
  Path paramsIn;

  @Option(names = "--out", required = true, paramLabel = "FILE",
      description = "Where to write the trained weights (safetensors).")
  Path out;

  @Option(names = "--plot", paramLabel = "FILE",
      description = "Where to write the loss curve (default: next to --out, with .svg).")
  Path plot;

  @Option(names = "--threads", paramLabel = "T",
      description = "Threads for data-parallel mini-batches (default: at most one per core, "
          + "with at least " + MIN_SHARD_EXAMPLES + " examples and " + MIN_SHARD_WORK
          + " parameter-examples each). Results are bit-identical run to run for a given T.")
  Integer threads;

  /**
   * The smallest shard, in examples, that the default thread count gives a thread. Below it the
   * per-step meetings, the gradient copy and reduction and the second optimizer step cost more
   * than the smaller shard saves: on the Fashion-MNIST MLP (2 cores, vector backend) batch 32
   * trained at 103k samples/s on one thread and 93k on two, batch 128 at 109k and 136k
   * ({@code benchmarks/fashion_epoch.sh}, epochs after the first).
   */
  static final int MIN_SHARD_EXAMPLES = 32;

  /**
   * The smallest shard, in parameters × examples, that the default gives a thread. Measured with
   * {@code netc train} at batch 32 (10 epochs, 2 cores, with the kernels of that day): 4-16-3 ran
   * at 3.4M samples/s on one thread and 1.4M on two, 64-64-10 (4.8k parameters) at 337k and 305k,
   * 64-256-10 (19k) at 184k and 217k.
   */
  static final long MIN_SHARD_WORK = 300_000;

  @Option(names = "--warm-up", negatable = true,
      description = "Before the first epoch, train a throwaway copy until the JIT has compiled "
          + "the network (default: on when training takes at least " + WARM_UP_MIN_STEPS
          + " steps).")
  Boolean warmUp;

  /** Shorter trainings skip the warm-up by default: it would take longer than they do. */
  static final int WARM_UP_MIN_STEPS = 1000;

  /** The engine being trained; closed (its threads stopped) however training ends. */
  private Engine engine;

  @Override
  public Integer call() {
    try {
      return train();
    } finally {
      if (engine != null) {
        engine.close();
      }
    }
  }

  private Integer train() {
    PrintWriter stdout = spec.commandLine().getOut();
    checkOptions();
    Network net = model.load(spec.commandLine().getErr());
    if (seed != null) {
      net = net.withSeed(seed);
    }
    long shuffleSeed = seed != null ? seed : net.seed();
    engine = engineOptions.create(net);
    engine.loss();
    Dataset train = data.load(net, engine);
    Dataset testSet = test == null ? null
        : DataFiles.load(test, testLabels, data.header, net, engine.dataType());
    if (paramsIn != null) {
      Backends.loadWeights(engine, paramsIn);
    }
    int threadCount = threads != null ? threads
        : defaultThreads(Math.min(batch, train.count()), net.parameterCount());
    engine.useThreads(threadCount);
    stdout.printf(Locale.ROOT, "training %s (%s, %d parameters) with %s%n  on %d examples, "
            + "batch %d, %d epochs, %s, %d thread%s%n", net.name(), shape(net),
        net.parameterCount(), net.optimizer().describe(), train.count(), batch, epochs,
        engine.backend, threadCount, threadCount == 1 ? "" : "s");
    int steps = (train.count() + batch - 1) / batch;
    if (warmUp != null ? warmUp : (long) steps * epochs >= WARM_UP_MIN_STEPS) {
      warmUp(stdout, train, threadCount);
    }
    Progress progress = new Progress(stdout, System.console() != null);
    List<Double> trainLosses = new ArrayList<>();
    List<Double> testLosses = new ArrayList<>();
    int[] order = train.order();
    SplitMix64 rng = new SplitMix64(shuffleSeed);
    long trainNanos = 0;
    Metrics last = null;
    for (int epoch = 1; epoch <= epochs; epoch++) {
      if (!noShuffle) {
        Dataset.shuffle(order, rng);
      }
      long start = System.nanoTime();
      double sum = 0;
      for (int step = 0; step < steps; step++) {
        int from = step * batch;
        int size = Math.min(batch, train.count() - from);
        double loss = engine.trainBatch(train, order, from, size);
        if (!Double.isFinite(loss)) {
          progress.clear();
          throw new UserException(String.format(Locale.ROOT, "training diverged in epoch %d, "
              + "step %d of %d: the loss is %s; nothing was written (a smaller lr than %s may "
              + "help)", epoch, step + 1, steps, loss, net.optimizer().lr()));
        }
        sum += loss * size;
        progress.update(epoch, epochs, step + 1, steps, sum / (from + size));
      }
      long nanos = System.nanoTime() - start;
      trainNanos += nanos;
      progress.clear();
      double epochLoss = sum / train.count();
      trainLosses.add(epochLoss);
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
          "epoch %" + digits(epochs) + "d/%d  loss %.6f", epoch, epochs, epochLoss));
      last = Metrics.of(engine, testSet != null ? testSet : train);
      if (!Double.isFinite(last.loss())) {
        throw new UserException("training diverged in epoch " + epoch + ": the parameters are "
            + "no longer finite; nothing was written");
      }
      Optional<String> bad = engine.nonFiniteParameter();
      if (bad.isPresent()) {
        throw new UserException("training diverged in epoch " + epoch + ": " + bad.get()
            + " although the loss is finite; nothing was written (a smaller lr than "
            + net.optimizer().lr() + " may help)");
      }
      String which = testSet != null ? "test" : "train";
      if (testSet != null) {
        testLosses.add(last.loss());
        line.append(String.format(Locale.ROOT, "  test loss %.6f", last.loss()));
      }
      if (last.hasAccuracy()) {
        line.append(String.format(Locale.ROOT, "  %s acc %.2f%%", which, 100 * last.accuracy()));
      }
      line.append(String.format(Locale.ROOT, "  %.1f s  %.0f samples/s", nanos / 1e9,
          train.count() / (nanos / 1e9)));
      stdout.println(line);
      stdout.flush();
    }
    save(engine, net, trainLosses, testLosses);
    if (last != null) {
      stdout.printf(Locale.ROOT, "final: %s loss %.6f%s; training time %.1f s, %.0f samples/s%n",
          testSet != null ? "test" : "train", last.loss(),
          last.hasAccuracy() ? String.format(Locale.ROOT, ", accuracy %.2f%%",
              100 * last.accuracy()) : "",
          trainNanos / 1e9, (double) train.count() * epochs / (trainNanos / 1e9));
    }
    stdout.println("wrote " + out + " and " + plotPath());
    return 0;
  }

  /** Threads for a batch of {@code examples}: see {@link #MIN_SHARD_WORK}. */
  static int defaultThreads(int examples, long parameters) {
    long byExamples = examples / MIN_SHARD_EXAMPLES;
    long byWork = examples * parameters / MIN_SHARD_WORK;
    long cores = Runtime.getRuntime().availableProcessors();
    return (int) Math.max(1, Math.min(cores, Math.min(byExamples, byWork)));
  }

  /**
   * Trains a throwaway copy of the network on the first rows until its steps run at full speed
   * (see {@link JitWarmUp}), so that epoch times do not include the JIT compiling the class.
   */
  private void warmUp(PrintWriter stdout, Dataset train, int threads) {
    long start = System.nanoTime();
    int size = Math.min(batch, train.count());
    int[] rows = train.order();
    int steps;
    try (Engine scratch = engine.scratchCopy()) {
      scratch.useThreads(threads);
      steps = JitWarmUp.run(() -> scratch.trainBatch(train, rows, 0, size));
    }
    stdout.printf(Locale.ROOT, "warm-up: %d steps on a throwaway copy while the JIT compiles the "
        + "class, %.1f s (not in the epoch times)%n", steps, (System.nanoTime() - start) / 1e9);
    stdout.flush();
  }

  private void checkOptions() {
    if (epochs < 1) {
      throw new UserException("--epochs must be at least 1, not " + epochs);
    }
    if (batch < 1) {
      throw new UserException("--batch must be at least 1, not " + batch);
    }
    if (threads != null && (threads < 1 || threads > 256)) {
      throw new UserException("--threads must be between 1 and 256, not " + threads);
    }
    if (testLabels != null && test == null) {
      throw new UserException("--test-labels needs --test");
    }
  }

  private void save(Engine engine, Network net, List<Double> trainLosses,
      List<Double> testLosses) {
    Path plotFile = plotPath();
    // The message must name the file that failed; both folders are made before either write.
    Path current = out;
    try {
      createParent(out);
      current = plotFile;
      createParent(plotFile);
      current = out;
      engine.save(out);
      current = plotFile;
      String svg = LossPlot.svg("netc train " + net.name() + ": loss per epoch", trainLosses,
          testLosses);
      AtomicFile.write(plotFile, svg.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UserException("cannot write '" + current + "': " + ModelFile.describe(e));
    }
  }

  private Path plotPath() {
    if (plot != null) {
      return plot;
    }
    String name = out.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return out.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".svg");
  }

  static void createParent(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
  }

  /** Layer output shapes joined by dashes, e.g. {@code 784-256-128-10} or {@code 1x28x28-…}. */
  static String shape(Network net) {
    StringBuilder sb = new StringBuilder().append(net.input().describe());
    net.layers().forEach(l -> sb.append('-').append(l.outputShape().describe()));
    return sb.toString();
  }

  private static int digits(int n) {
    return Integer.toString(n).length();
  }
}
