package dev.netc.cli;

import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.KernelPlan;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.runtime.io.AtomicFile;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Idx;
import dev.netc.runtime.io.SafetensorsException;
import dev.netc.runtime.train.JitWarmUp;
import dev.netc.runtime.train.Learner;
import dev.netc.runtime.train.LrSchedule;
import dev.netc.runtime.train.Trainer;
import dev.netc.runtime.train.TrainingDivergedException;
import dev.netc.runtime.train.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netc train}: trains a network on CSV or IDX data and saves its weights. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Trains the network with its optimizer (generated code compiled in memory, or "
        + "the interpreter) and writes the weights as safetensors plus an SVG plot of the "
        + "losses and accuracy per epoch.")
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
      description = "Where to write the trained weights (safetensors). Missing parent "
          + "directories of every output are created; all outputs are checked to be writable "
          + "before training starts.")
  Path out;

  @Option(names = "--plot", paramLabel = "FILE",
      description = "Where to write the loss curve (default: next to --out, with .svg).")
  Path plot;

  @Option(names = "--validation", paramLabel = "FRACTION",
      description = "Hold out the last FRACTION of --data (before shuffling) as validation "
          + "data, evaluated every epoch.")
  Double validation;

  @Option(names = "--validation-data", paramLabel = "FILE",
      description = "Validation data (CSV or IDX), evaluated every epoch.")
  Path validationData;

  @Option(names = "--validation-labels", paramLabel = "FILE",
      description = "IDX label file for --validation-data.")
  Path validationLabels;

  @Option(names = "--early-stopping", paramLabel = "PATIENCE",
      description = "Stop after PATIENCE epochs without a lower validation loss; the weights "
          + "of the best epoch are the ones written.")
  Integer patience;

  @Option(names = "--lr-schedule", paramLabel = "SCHEDULE",
      description = "Learning rate per epoch, as torch.optim.lr_scheduler: 'step(every = N, "
          + "gamma = G)', 'cosine' (T_max = epochs, eta_min = 0), 'exponential(gamma = G)' or "
          + "'constant' (default).")
  String lrSchedule;

  @Option(names = "--checkpoint", paramLabel = "DIR",
      description = "After every epoch, write DIR/checkpoint.safetensors atomically "
          + "(parameters, optimizer state, step count, epoch, shuffling state, lr).")
  Path checkpoint;

  @Option(names = "--resume", paramLabel = "DIR",
      description = "Continue from DIR/checkpoint.safetensors up to --epochs in total; with "
          + "the same data and options the result is bit-identical to an uninterrupted run.")
  Path resume;

  @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
  boolean quiet;

  @Option(names = "--threads", paramLabel = "T",
      description = "Threads for mini-batches. A multi-layer perceptron on the vector backend "
          + "splits each step over them (rows of each layer; the same results as one thread; "
          + "default: one per core, each with at least " + MIN_SPLIT_WORK + " multiply-adds of "
          + "a batch's forward pass: 2 examples of the Fashion MLP); other networks train "
          + "data-parallel (default: at most one per core, each shard with at least "
          + MIN_SHARD_WORK + " multiply-adds and " + MIN_SHARD_WORK_PER_PARAMETER
          + " times as many as the network has parameters: fewer than 32 examples of a CNN). "
          + "Results are bit-identical run to run for a given T.")
  Integer threads;

  /**
   * From this many epochs on, images stored as bytes (IDX files: {@link Dataset#widenInputs()})
   * are converted to floats once while loading rather than row by row in every epoch's gathers.
   * On the Fashion-MNIST MLP at batch 32 (Zen 3), converting once costs 0.15–0.2 s of loading
   * and converting in the gathers 0.02–0.04 s per epoch; converting in a background thread
   * during the epoch slowed the epoch by more (the two share the L3 cache).
   */
  static final int WIDEN_MIN_EPOCHS = 5;

  /**
   * The smallest shard that the default thread count gives a thread, in forward multiply-adds
   * per parameter of the network: a thread pays for the per-step meetings, the gradient copy and
   * reduction and a second optimizer step (all as long as the parameter count) only with this
   * much work of its own. For an MLP a forward pass takes one multiply-add per parameter, so this
   * is its examples per shard: on the Fashion-MNIST MLP (2 cores, vector backend) batch 32
   * trained at 103k samples/s on one thread and 93k on two, batch 128 at 109k and 136k
   * ({@code benchmarks/fashion_epoch.sh}, epochs after the first). A convolution reuses each
   * weight at every output position, so a CNN reaches it with fewer examples: at batch 32 (16
   * examples a shard, 96 and 103 multiply-adds per parameter) the Small CNN of {@code
   * examples/fashion-cnn.net} trained at 12.3k samples/s on one thread and 20.2k on two, LeNet-5
   * at 31.0k and 57.7k ({@code netc train --epochs 2}, second epoch, Intel Xeon host, 2 cores).
   */
  static final int MIN_SHARD_WORK_PER_PARAMETER = 32;

  /**
   * The smallest shard, in forward multiply-adds (parameters × examples for an MLP), that the
   * default gives a thread. Measured with
   * {@code netc train} at batch 32 (10 epochs, 2 cores, with the kernels of that day): 4-16-3 ran
   * at 3.4M samples/s on one thread and 1.4M on two, 64-64-10 (4.8k parameters) at 337k and 305k,
   * 64-256-10 (19k) at 184k and 217k.
   */
  static final long MIN_SHARD_WORK = 300_000;

  /**
   * The smallest share of a batch's forward multiply-adds that the default gives each thread of
   * a step split over a {@link dev.netc.runtime.StepTeam} ({@code Learner.splitsSteps}). A split
   * step meets about four times per layer, each meeting a few µs of the threads' time, where a
   * replica's meetings are three per step; but it sums nothing. The Fashion MLP (235k
   * multiply-adds per example; Zen 3, one JVM each, same minute) ran its batch-2 step in 112 µs
   * on two threads against 187 on one, batch 8 in 157 against 273, batch 32 in 358 against 605.
   */
  static final long MIN_SPLIT_WORK = 200_000;

  /**
   * The least first-layer weights per thread that the default splits a one-example step over
   * (batch 1; see {@link #onlineSplitParts}): the step then meets once, for the first layer's
   * update and the next forward pass. {@code netc train --batch 1 --epochs 3} on 20,000 random
   * rows, third epoch, I-256-10 relu MLPs (Intel Xeon host, 2 cores, two rounds): I = 64 (16,384
   * first-layer weights) 93.7k / 94.1k samples/s on one thread and 96.9k / 96.4k on two, I = 128
   * 83.6k / 97.4k and 108.2k / 112.7k, I = 256 65.6k / 63.4k and 85.6k / 76.3k, I = 512 36.9k /
   * 35.2k and 52.8k / 52.3k; the Fashion MLP (784-256-128-10) 19.2k and 31.2k. Not measured
   * on more than two cores.
   */
  static final long MIN_ONLINE_SPLIT_WEIGHTS = 16_384;

  @Option(names = "--warm-up", negatable = true,
      description = "Train the first steps on one core until the JIT has compiled the network, "
          + "then on every thread, and a throwaway copy on random rows while the data loads; "
          + "the same result either way (default: on when training takes at least "
          + WARM_UP_MIN_STEPS + " steps; the copy trains unless --no-warm-up).")
  Boolean warmUp;

  /**
   * Shorter trainings run on every thread from their first step by default. Four times the
   * warm-up's least 100 steps (when the warm-up trained a throwaway copy, one epoch of the
   * Fashion-MNIST MLP at batch 128, 469 steps, took 2.85-2.96 s as a whole command without it
   * and 2.55-2.71 s with it; Intel Xeon host).
   */
  static final int WARM_UP_MIN_STEPS = 400;

  /** At most this many random rows a step before the data arrives ({@link #preWarm}). */
  static final int PRE_WARM_MAX_ROWS = 32;

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
    checkOptions();
    checkOutputs();
    // IDX files start inflating now, while the network is parsed and its class loaded (they are
    // checked against it when loading below): the Fashion-MNIST MLP's whole command 0.1-0.2 s
    // shorter, its class ready 0.15 s before the training images instead of 0.35 s.
    CompletableFuture<Idx.ImageFiles> trainRead = DataFiles.prefetch(data.data, data.labels);
    CompletableFuture<Idx.ImageFiles> testRead = test == null ? null
        : DataFiles.prefetch(test, testLabels);
    CompletableFuture<Idx.ImageFiles> validationRead = validationData == null ? null
        : DataFiles.prefetch(validationData, validationLabels);
    Network net = model.load(spec.commandLine().getErr());
    if (seed != null) {
      net = net.withSeed(seed);
    }
    // The data files load (inflate, parse) on threads of their own while the class is generated
    // and compiled (or loaded from the cache): on the Fashion-MNIST MLP, 0.48 s of loading and
    // 0.34 s of the class that no longer follow one another, and the test images inflate beside
    // the training images instead of after them.
    Network loaded = net;
    Dataset.Type type = engineOptions.dataType(net);
    boolean widen = epochs >= WIDEN_MIN_EPOCHS;
    CompletableFuture<Dataset> trainFile = loading(widen,
        () -> DataFiles.load(data.data, data.labels, data.header, loaded, type, trainRead));
    CompletableFuture<Dataset> testFile = test == null ? null : loading(widen,
        () -> DataFiles.load(test, testLabels, data.header, loaded, type, testRead));
    CompletableFuture<Dataset> validationFile = validationData == null ? null
        : loading(widen, () -> DataFiles.load(validationData, validationLabels, data.header,
            loaded, type, validationRead));
    engine = engineOptions.create(net);
    engine.loss();
    if (engine.dataType() != type) {
      throw new IllegalStateException("engine reads " + engine.dataType() + ", not " + type);
    }
    // Not on the interpreter (no class to compile), nor when the planner is about to time
    // other plans and replace the class: what was compiled would be thrown away.
    int preWarmed = Boolean.FALSE.equals(warmUp) || engineOptions.interpret
        || engineOptions.unplanned(net, batch) ? 0 : preWarm(net, trainFile);
    // Joined in this order, so that of several bad files the training data's error is shown.
    Dataset train = DataFiles.joined(trainFile);
    Dataset testSet = DataFiles.joined(testFile);
    Dataset validationSet = DataFiles.joined(validationFile);
    if (validation != null) {
      Dataset[] parts = split(train);
      train = parts[0];
      validationSet = parts[1];
    }
    if (paramsIn != null) {
      Backends.loadWeights(engine, paramsIn);
    }
    int steps = (train.count() + batch - 1) / batch;
    boolean warm = warmUp != null ? warmUp : (long) steps * epochs >= WARM_UP_MIN_STEPS;
    String planned = warm ? plan(net, Math.min(batch, train.count())) : "";
    int threadCount = threads != null ? threads
        : defaultThreads(Math.min(batch, train.count()), net.parameterCount(),
            net.multiplyAdds(), engine.learner().splitsSteps(), onlineSplitParts(net));
    TrainReporter reporter = new TrainReporter(engine, testSet, train,
        spec.commandLine().getOut(), quiet, System.console() != null);
    reporter.println(String.format(Locale.ROOT, "training %s (%s, %d parameters) with %s%n  on "
            + "%d examples%s, batch %d, %d epochs, %s, %d thread%s", net.name(), shape(net),
        net.parameterCount(), net.optimizer().describe(), train.count(),
        validationSet == null ? "" : " (" + validationSet.count() + " for validation)", batch,
        epochs, engine.backend, threadCount, threadCount == 1 ? ""
            : engine.learner().splitsSteps() ? "s (each step split)" : "s (data-parallel)"));
    if (!planned.isEmpty()) {
      reporter.println(planned);
    }
    reporter.preWarmed(preWarmed);
    TrainingResult result =
        fit(trainer(net, validationSet, threadCount, warm, reporter), train);
    reporter.flushPending();
    save(net, result, reporter);
    Dataset evaluated = testSet != null ? testSet : validationSet != null ? validationSet : train;
    report(reporter, result, evaluated,
        testSet != null ? "test" : validationSet != null ? "validation" : "train", train.count());
    return 0;
  }

  /**
   * Loads a data file on a daemon thread of its own ({@link DataFiles#ON_OWN_THREAD}), and
   * converts its byte inputs if {@code widen} (see {@link #WIDEN_MIN_EPOCHS}).
   */
  private static CompletableFuture<Dataset> loading(boolean widen, Supplier<Dataset> load) {
    Supplier<Dataset> loadWidened = () -> {
      Dataset set = load.get();
      if (widen) {
        set.widenInputs();
      }
      return set;
    };
    return CompletableFuture.supplyAsync(loadWidened, DataFiles.ON_OWN_THREAD);
  }

  private Dataset[] split(Dataset train) {
    try {
      return Trainer.split(train, validation);
    } catch (IllegalArgumentException e) {
      throw new UserException("--validation " + validation + ": " + e.getMessage());
    }
  }

  /** Runs the trainer, turning what can go wrong with the user's run into one-line errors. */
  private TrainingResult fit(Trainer.Builder trainer, Dataset train) {
    try {
      return trainer.build().fit(engine.learner(), train);
    } catch (TrainingDivergedException e) {
      boolean saved = checkpoint != null
          && Files.exists(checkpoint.resolve(Trainer.CHECKPOINT_FILE));
      throw new UserException(e.getMessage() + (saved ? "; --out was not written (the "
          + "checkpoint in '" + checkpoint + "' holds the last finished epoch)"
          : "; nothing was written") + " (a smaller lr than " + engine.network.optimizer().lr()
          + " may help)");
    } catch (UncheckedIOException e) {
      throw new UserException(e.getCause() instanceof SafetensorsException s ? s.getMessage()
          : "checkpoint in '" + checkpoint + "': " + ModelFile.describe(e.getCause()));
    } catch (IllegalArgumentException e) {
      // The options against the data or the checkpoint (e.g. another number of examples).
      throw new UserException(e.getMessage());
    }
  }

  /** The library trainer with this command's options. */
  private Trainer.Builder trainer(Network net, Dataset validationSet, int threadCount,
      boolean warm, TrainReporter reporter) {
    Trainer.Builder t = Trainer.builder().epochs(epochs).batchSize(batch).shuffle(!noShuffle)
        .seed(seed != null ? seed : net.seed()).threads(threadCount).warmUp(warm)
        .reduction(engine.reduction()).accuracy(Metrics.accuracyOf(engine.loss()))
        .validationData(validationSet).checkpoints(checkpoint).resumeFrom(resume)
        .listener(reporter);
    if (patience != null) {
      t.earlyStopping(patience);
    }
    if (lrSchedule != null) {
      t.schedule(schedule());
    }
    return t;
  }

  private LrSchedule schedule() {
    try {
      return LrSchedule.parse(lrSchedule);
    } catch (IllegalArgumentException e) {
      throw usage("--lr-schedule: " + e.getMessage());
    }
  }

  /** The final summary line (on the data that was evaluated) and the files written. */
  private void report(TrainReporter reporter, TrainingResult result, Dataset evaluated,
      String which, int examples) {
    if (result.stoppedEarly()) {
      reporter.println("early stopping: no lower validation loss in " + patience
          + " epochs; kept the weights of epoch " + result.bestEpoch());
    } else if (result.restoredBest()) {
      reporter.println("kept the weights of epoch " + result.bestEpoch()
          + ", which had the lowest validation loss");
    }
    long nanos = result.trainingNanos();
    if (nanos > 0) {
      long trained = result.history().stream().filter(r -> r.nanos() > 0).count();
      // The last epoch's line measured the same data with the same weights: not again.
      Metrics m = result.restoredBest() ? null
          : reporter.lastMetrics(evaluated, result.history().get(result.history().size() - 1)
              .epoch());
      if (m == null) {
        m = Metrics.of(engine, evaluated);
      }
      reporter.println(String.format(Locale.ROOT, "final: %s loss %.6f%s; training time %.1f s, "
              + "%.0f samples/s", which, m.loss(), m.hasAccuracy() ? String.format(Locale.ROOT,
              ", accuracy %.2f%%", 100 * m.accuracy()) : "",
          nanos / 1e9, (double) examples * trained / (nanos / 1e9)));
    }
    reporter.println("wrote " + out + " and " + plotPath());
  }

  /**
   * Threads for a batch of {@code examples} of a network with {@code parameters} parameters and
   * {@code multiplyAdds} forward multiply-adds per example, whose class splits its steps
   * ({@code splits}: see {@link #MIN_SPLIT_WORK}) or trains on replicas (see {@link
   * #MIN_SHARD_WORK_PER_PARAMETER} and {@link #MIN_SHARD_WORK}).
   */
  static int defaultThreads(int examples, long parameters, long multiplyAdds, boolean splits) {
    return defaultThreads(examples, parameters, multiplyAdds, splits, 0);
  }

  /**
   * As {@link #defaultThreads(int, long, long, boolean)}; {@code onlineParts}: the threads a
   * one-example step's pass over the first layer pays for (see {@link #onlineSplitParts}).
   */
  static int defaultThreads(int examples, long parameters, long multiplyAdds, boolean splits,
      int onlineParts) {
    if (!splits) {
      return defaultThreads(examples, parameters, multiplyAdds);
    }
    long cores = Runtime.getRuntime().availableProcessors();
    if (examples == 1) {
      return (int) Math.max(1, Math.min(cores, onlineParts));
    }
    long byWork = (long) ((double) examples * multiplyAdds / MIN_SPLIT_WORK);
    return (int) Math.max(1, Math.min(cores, byWork));
  }

  /**
   * The threads worth a one-example step of {@code net}: one per {@link
   * #MIN_ONLINE_SPLIT_WEIGHTS} weights of its first layer and per 16 of its rows (the parts'
   * rows come in sixteens) if its class splits that layer's pass, else 0. A multi-layer
   * perceptron's vector class (the only classes that split their steps) leaves the first
   * layer's update to the next example's forward pass and splits that pass by rows over a
   * step's team ({@link CodegenPolicy#defersFirstUpdate}).
   */
  static int onlineSplitParts(Network net) {
    if (!CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)
        .defersFirstUpdate(net)) {
      return 0;
    }
    Layer first = net.layers().get(0);
    return (int) Math.min(first.weightCount() / MIN_ONLINE_SPLIT_WEIGHTS, first.outSize() / 16);
  }

  /** {@link #defaultThreads(int, long, long, boolean)} for a network trained on replicas. */
  static int defaultThreads(int examples, long parameters, long multiplyAdds) {
    double work = (double) examples * multiplyAdds;
    long byParameters =
        (long) (work / ((double) MIN_SHARD_WORK_PER_PARAMETER * Math.max(1, parameters)));
    long byWork = (long) (work / MIN_SHARD_WORK);
    long cores = Runtime.getRuntime().availableProcessors();
    return (int) Math.max(1, Math.min(cores, Math.min(byParameters, byWork)));
  }

  /**
   * Until the training data has arrived (or the steps have settled, see {@link JitWarmUp}),
   * trains a throwaway copy of the network on random rows, so that the JIT starts compiling the
   * class while the files inflate (the Fashion-MNIST MLP's whole command 0.1 s shorter: its
   * first step alone takes 0.3-0.5 s before C2 has compiled anything). Returns the steps it
   * took. Optional: if a step fails, it stops, and training shows what is wrong.
   */
  private int preWarm(Network net, CompletableFuture<Dataset> trainFile) {
    if (trainFile.isDone()) {
      return 0;
    }
    int n = Math.min(batch, PRE_WARM_MAX_ROWS);
    Dataset rows = randomRows(net, engine.dataType(), n);
    int[] order = rows.order();
    JitWarmUp settled = new JitWarmUp();
    try (Learner scratch = engine.learner().copy()) {
      // As the warm-up proper: a split step's parts on this thread, the other core for the JIT
      // and the loading threads (and no replicas, which would take every core).
      int parts = threads != null ? threads : defaultThreads(n, net.parameterCount(),
          net.multiplyAdds(), scratch.splitsSteps(), onlineSplitParts(net));
      scratch.useThreads(scratch.splitsSteps() ? parts : 1, true);
      do {
        scratch.trainBatch(rows, order, 0, n);
      } while (!settled.stepped() && !trainFile.isDone());
    } catch (RuntimeException e) {
      // The copy's steps are only a head start for the JIT.
    }
    return settled.steps();
  }

  /**
   * {@code n} rows of inputs in [0, 1) and valid targets: class indices for a loss that takes
   * them, values in [0, 1) otherwise (as the planner's synthetic steps).
   */
  private static Dataset randomRows(Network net, Dataset.Type type, int n) {
    Random rnd = new Random(net.seed());
    int width = net.targetWidth();
    int classes = net.loss().orElse(null) instanceof Loss.CrossEntropy ? net.outputSize() : 0;
    double[] xs = new double[n * net.inputSize()];
    double[] ts = new double[n * width];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = rnd.nextDouble();
    }
    for (int i = 0; i < ts.length; i++) {
      ts[i] = classes > 0 ? rnd.nextInt(classes) : rnd.nextDouble();
    }
    if (type == Dataset.Type.DOUBLE) {
      return Dataset.ofDoubles(xs, ts, net.inputSize(), width, classes);
    }
    float[] fx = new float[xs.length];
    float[] ft = new float[ts.length];
    for (int i = 0; i < xs.length; i++) {
      fx[i] = (float) xs[i];
    }
    for (int i = 0; i < ts.length; i++) {
      ft[i] = (float) ts[i];
    }
    return Dataset.ofFloats(fx, ft, net.inputSize(), width, classes);
  }

  /**
   * Chooses the vector kernel plan when neither {@code --plan} nor a cached plan did (see
   * {@link Planner}; a second or so per variant, timed before the first epoch), caches it and
   * rebuilds the engine with it; returns the line that says so, or "" if nothing was planned.
   */
  private String plan(Network net, int examples) {
    if (!engineOptions.unplanned(net, examples)) {
      return "";
    }
    if (!quiet) {
      // The planner takes about a second per plan before anything else is printed.
      PrintWriter out = spec.commandLine().getOut();
      out.println("planning: timing the kernel plans of " + net.name() + " on this CPU, a JVM "
          + "each (once: the choice is cached; --plan preferred skips it)...");
      out.flush();
    }
    long start = System.nanoTime();
    Planner.Result r;
    try {
      r = Planner.plan(model.model, net, examples, 1);
    } catch (UserException e) {
      return "planned: " + e.getMessage() + ", so kernel plan " + KernelPlan.PREFERRED;
    }
    boolean saved = PlanCache.open()
        .flatMap(c -> c.write(Planner.source(net), r.plan(), r.notes())).isPresent();
    engine.close();
    engine = engineOptions.create(net, r.plan(), "planned");
    engine.loss();
    if (paramsIn != null) {
      Backends.loadWeights(engine, paramsIn);
    }
    return String.format(Locale.ROOT, "planned: %s, %.1f s%s", r.summary(),
        (System.nanoTime() - start) / 1e9, saved ? ", cached" : ", not cached");
  }

  /** Option values and combinations picocli cannot check: usage errors, exit code 2. */
  private void checkOptions() {
    if (epochs < 1) {
      throw usage("--epochs must be at least 1, not " + epochs);
    }
    if (batch < 1) {
      throw usage("--batch must be at least 1, not " + batch);
    }
    if (threads != null && (threads < 1 || threads > 256)) {
      throw usage("--threads must be between 1 and 256, not " + threads);
    }
    if (testLabels != null && test == null) {
      throw usage("--test-labels needs --test");
    }
    if (validationLabels != null && validationData == null) {
      throw usage("--validation-labels needs --validation-data");
    }
    if (validation != null && !(validation > 0 && validation < 1)) {
      throw usage("--validation must be a fraction between 0 and 1 (exclusive), not "
          + validation);
    }
    if (validation != null && validationData != null) {
      throw usage("--validation and --validation-data exclude each other");
    }
    if (patience != null && patience < 1) {
      throw usage("--early-stopping must be at least 1, not " + patience);
    }
    if (patience != null && validation == null && validationData == null) {
      throw usage("--early-stopping needs --validation or --validation-data");
    }
    if (resume != null && paramsIn != null) {
      throw usage("--resume and --params-in exclude each other");
    }
    if (lrSchedule != null) {
      schedule();
    }
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /** Fails before any work if an output cannot be written. */
  private void checkOutputs() {
    Outputs.checkFile(out);
    Outputs.checkFile(plotPath());
    if (checkpoint != null) {
      Outputs.checkDirectory(checkpoint);
    }
    if (resume != null && !Files.isRegularFile(resume.resolve(Trainer.CHECKPOINT_FILE))) {
      throw new UserException("cannot resume: '" + resume.resolve(Trainer.CHECKPOINT_FILE)
          + "' does not exist");
    }
  }

  /** Writes the weights and the loss plot (both atomically). */
  private void save(Network net, TrainingResult result, TrainReporter reporter) {
    Path current = out;
    try {
      engine.save(out);
      current = plotPath();
      int restored = result.history().size() - reporter.testLosses().size();
      List<Double> test = new ArrayList<>(Collections.nCopies(restored, Double.NaN));
      test.addAll(reporter.testLosses());
      List<Double> accuracy = new ArrayList<>(Collections.nCopies(restored, Double.NaN));
      accuracy.addAll(reporter.testAccuracies());
      String svg = LossPlot.svg("netc train " + net.name(), result.history(), test, accuracy);
      AtomicFile.write(current, svg.getBytes(StandardCharsets.UTF_8));
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

  /** Layer output shapes joined by dashes, e.g. {@code 784-256-128-10} or {@code 1x28x28-…}. */
  static String shape(Network net) {
    StringBuilder sb = new StringBuilder().append(net.input().describe());
    net.layers().forEach(l -> sb.append('-').append(l.outputShape().describe()));
    return sb.toString();
  }
}
