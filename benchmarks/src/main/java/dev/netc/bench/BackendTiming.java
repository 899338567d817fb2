package dev.netc.bench;

import com.palantir.javapoet.JavaFile;
import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
import dev.netc.ir.Network;
import dev.netc.runtime.TrainableFloatNetwork;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.Random;

/**
 * Single-thread throughput of the generated MLP and tiny networks for each code-generation
 * backend, measured in the calling thread's CPU time so that other work on a shared machine does
 * not deflate the figures (wall-clock rates are printed beside them). A plain program rather than
 * JMH because the classes are generated at run time, for both backends, from the very definitions
 * the JMH suite uses ({@link BenchNetworks}).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * dev.netc.bench.BackendTiming [rounds] [seconds]}; prints the median of the rounds (MLP
 * training and one-example inference cycle through a pool of 1024 random examples, as the
 * PyTorch peer does). With
 * {@code cnn rounds seconds [--layers] FILE.net...} first it times convolutional networks
 * instead (float, random inputs and labels, distinct in every call of a cycle of 64 batches, as
 * the PyTorch peer's pool): training at batch 32, inference of one example and, with
 * {@code --layers}, each per-example layer method of the generated class on its own, predict's
 * own forward methods too (in microseconds per call; on one example's state again and again,
 * which hides the branch mispredictions of real data). {@code -Dnetc.bench.backend=vector} (or
 * {@code scalar}) times one backend only, e.g. under a profiler.
 */
public final class BackendTiming {
  private BackendTiming() {}

  /** A measured operation: returns a value so that the work is not dead code. */
  private interface Op {
    float run();
  }

  /** Prints a Markdown table of samples/s and GFLOP/s per backend and case. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("cnn")) {
      boolean layers = args.length > 3 && args[3].equals("--layers");
      cnn(Integer.parseInt(args[1]), Double.parseDouble(args[2]), layers,
          Arrays.asList(args).subList(layers ? 4 : 3, args.length));
      return;
    }
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
    boolean vector = ModuleLayer.boot().findModule(InMemoryCompiler.VECTOR_MODULE).isPresent();
    System.out.println("| backend | case | samples/s (CPU time) | samples/s (wall) | GFLOP/s |");
    System.out.println("|---|---|---|---|---|");
    for (CodegenPolicy.Backend b : CodegenPolicy.Backend.values()) {
      if (b == CodegenPolicy.Backend.VECTOR && !vector) {
        System.out.println("| vector | (needs --add-modules jdk.incubator.vector) | | | |");
        continue;
      }
      if (wanted(b)) {
        run(b, rounds, seconds);
      }
    }
  }

  private static void run(CodegenPolicy.Backend backend, int rounds, double seconds)
      throws ReflectiveOperationException {
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(backend);
    Network mlp = BenchNetworks.mlp();
    Network tiny = BenchNetworks.tiny();
    List<JavaFile> files = List.of(JavaGenerator.generate(mlp, "timing", policy),
        JavaGenerator.generate(tiny, "timing", policy));
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(files);
    TrainableFloatNetwork net =
        (TrainableFloatNetwork) c.load("timing.Mlp").getConstructor().newInstance();
    TrainableFloatNetwork small =
        (TrainableFloatNetwork) c.load("timing.Tiny").getConstructor().newInstance();
    // A pool of POOL examples (inputs uniform, random labels), cycled batch by batch as the
    // PyTorch peer does: one batch again and again would be learned by heart, and its saturated
    // softmax is not what training on real data computes.
    Random rnd = new Random(1);
    float[] xs = new float[784 * POOL];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = rnd.nextFloat();
    }
    float[] labels = new float[POOL];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = rnd.nextInt(10);
    }
    float[] out = new float[10 * 128];
    float[] tx = {0.1f, 0.5f, -0.3f, 0.9f};
    float[] tl = {1};
    String name = backend.name().toLowerCase(Locale.ROOT);
    double trainFlop = Flops.training(mlp);
    double forwardFlop = Flops.forward(mlp);
    for (int batch : new int[] {1, 32, 128}) {
      int batches = POOL / batch;
      float[][] bx = new float[batches][];
      float[][] bl = new float[batches][];
      for (int b = 0; b < batches; b++) {
        bx[b] = Arrays.copyOfRange(xs, 784 * batch * b, 784 * batch * (b + 1));
        bl[b] = Arrays.copyOfRange(labels, batch * b, batch * (b + 1));
      }
      int[] call = {0};
      report(name, "MLP training, batch " + batch, batch, trainFlop, () -> {
        int b = call[0]++ % batches;
        return net.trainBatch(bx[b], bl[b], batch);
      }, rounds, seconds);
    }
    // Every example of the pool in turn, as the PyTorch peer's predict does: one example again
    // and again let the branch predictor learn its relu signs (118-126k against 109-114k
    // images/s over the pool on the Intel Xeon host, before relu lost its branch).
    float[][] images = new float[POOL][];
    for (int i = 0; i < POOL; i++) {
      images[i] = Arrays.copyOfRange(xs, 784 * i, 784 * (i + 1));
    }
    int[] image = {0};
    float[] first128 = Arrays.copyOf(xs, 784 * 128);
    report(name, "MLP inference, batch 1", 1, forwardFlop, () -> {
      net.predict(images[image[0]++ % POOL], out);
      return out[0];
    }, rounds, seconds);
    report(name, "MLP inference, batch 128", 128, forwardFlop, () -> {
      net.predictBatch(first128, out, 128);
      return out[0];
    }, rounds, seconds);
    report(name, "tiny 4-16-3 training steps", 1, 0, () -> small.trainBatch(tx, tl, 1), rounds,
        seconds);
  }

  /** The convolutional networks of {@code files}, on each backend the JVM can run. */
  private static void cnn(int rounds, double seconds, boolean layers, List<String> files)
      throws Exception {
    boolean vector = ModuleLayer.boot().findModule(InMemoryCompiler.VECTOR_MODULE).isPresent();
    System.out.println("| backend | case | samples/s (CPU time) | samples/s (wall) | GFLOP/s |");
    System.out.println("|---|---|---|---|---|");
    List<String[]> layerRows = new ArrayList<>();
    for (String file : files) {
      FrontendResult fr = Frontend.compile(file, Files.readString(Path.of(file)));
      if (fr.hasErrors()) {
        throw new IllegalArgumentException(fr.renderDiagnostics());
      }
      Network net = fr.networks().get(0);
      for (CodegenPolicy.Backend b : CodegenPolicy.Backend.values()) {
        if (b == CodegenPolicy.Backend.VECTOR && !vector || !wanted(b)) {
          continue;
        }
        cnn(net, b, rounds, seconds, layers ? layerRows : null);
      }
    }
    if (!layers) {
      return;
    }
    System.out.println();
    System.out.println("| network | backend | method | µs per call |");
    System.out.println("|---|---|---|---|");
    for (String[] row : layerRows) {
      System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", (Object[]) row);
    }
  }

  /**
   * False if the system property {@code netc.bench.backend} names another backend (e.g.
   * {@code -Dnetc.bench.backend=vector} to profile the vector classes alone).
   */
  private static boolean wanted(CodegenPolicy.Backend b) {
    String only = System.getProperty("netc.bench.backend", "");
    return only.isEmpty() || only.equalsIgnoreCase(b.name());
  }

  /** Examples the MLP's training steps cycle through, as the PyTorch peer's pool. */
  private static final int POOL = 1024;

  /** Distinct training batches of 32 per measuring cycle (and 32 times as many images). */
  private static final int BATCHES = 64;

  private static void cnn(Network network, CodegenPolicy.Backend backend, int rounds,
      double seconds, List<String[]> layerRows) throws Exception {
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(backend);
    InMemoryCompiler.Compiled c =
        InMemoryCompiler.compile(List.of(JavaGenerator.generate(network, "timing", policy)));
    Class<?> type = c.load("timing." + network.name());
    TrainableFloatNetwork net = (TrainableFloatNetwork) type.getConstructor().newInstance();
    int in = network.inputSize();
    // Distinct inputs for every call of a cycle (64 batches, 2048 images): one input repeated
    // would let the branch predictor learn its data-dependent branches, which real data never
    // repeats.
    Random rnd = new Random(1);
    float[][] batches = new float[BATCHES][in * 32];
    float[][] labelSets = new float[BATCHES][32];
    for (int b = 0; b < BATCHES; b++) {
      for (int i = 0; i < batches[b].length; i++) {
        batches[b][i] = rnd.nextFloat();
      }
      for (int i = 0; i < 32; i++) {
        labelSets[b][i] = rnd.nextInt(network.outputSize());
      }
    }
    float[] out = new float[network.outputSize()];
    float[][] images = new float[BATCHES * 32][];
    for (int i = 0; i < images.length; i++) {
      images[i] = Arrays.copyOfRange(batches[i / 32], (i % 32) * in, (i % 32 + 1) * in);
    }
    int[] call = {0};
    String name = backend.name().toLowerCase(Locale.ROOT);
    String what = network.name() + " ";
    // Short warm-ups: the slowest classes take milliseconds per call; the first round warms up.
    report(name, what + "training, batch 32", 32, Flops.training(network), () -> {
      int b = call[0]++ % BATCHES;
      return net.trainBatch(batches[b], labelSets[b], 32);
    }, rounds, seconds, 20);
    report(name, what + "inference, batch 1", 1, Flops.forward(network), () -> {
      net.predict(images[call[0]++ % images.length], out);
      return out[0];
    }, rounds, seconds, 200);
    float[] x1 = images[0];
    float[] labels = labelSets[0];
    if (layerRows == null) {
      return;
    }
    // Per-example layer methods, on the state one training example leaves behind.
    net.trainBatch(x1, Arrays.copyOf(labels, 1), 1);
    Pattern layerMethod = Pattern.compile("(forward|predict|gradient|backprop)[A-Z].*");
    for (Method m : type.getDeclaredMethods()) {
      if (m.getParameterCount() != 0 || !layerMethod.matcher(m.getName()).matches()) {
        continue;
      }
      m.setAccessible(true);
      if (m.getName().endsWith("Aligned")) {
        // Predict's aligned copies (AlignedWeights): current and on their lines, as predict
        // would have them, whatever the training call above and any collection since did.
        for (int k = 0; k < 16; k++) {
          net.predict(x1, out);
        }
      }
      List<Double> perCall = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        perCall.add(1e6 / measure(() -> invoke(m, net), seconds / 4, 200)[0]);
      }
      perCall.sort(null);
      layerRows.add(new String[] {network.name(), name, m.getName(),
          String.format(Locale.ROOT, "%.2f", perCall.get(rounds / 2))});
    }
  }

  private static float invoke(Method m, Object target) {
    try {
      m.invoke(target);
      return 0;
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void report(String backend, String what, int batch, double flop, Op op,
      int rounds, double seconds) {
    report(backend, what, batch, flop, op, rounds, seconds, 500);
  }

  private static void report(String backend, String what, int batch, double flop, Op op,
      int rounds, double seconds, int warmUp) {
    List<double[]> results = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      results.add(measure(op, seconds, warmUp));
    }
    results.sort((a, b) -> Double.compare(a[0], b[0]));
    double[] median = results.get(rounds / 2);
    double cpu = median[0] * batch;
    double wall = median[1] * batch;
    System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %.0f | %s |%n", backend, what, cpu, wall,
        flop == 0 ? "" : String.format(Locale.ROOT, "%.1f", cpu * flop / 1e9));
  }

  /** Calls per second of CPU time and of wall-clock time, after a warm-up of 500 calls. */
  private static double[] measure(Op op, double seconds) {
    return measure(op, seconds, 500);
  }

  /** Calls per second of CPU time and of wall-clock time, after {@code warmUp} calls. */
  private static double[] measure(Op op, double seconds, int warmUp) {
    ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    float sink = 0;
    for (int i = 0; i < warmUp; i++) {
      sink += op.run();
    }
    long wall0 = System.nanoTime();
    long cpu0 = bean.getCurrentThreadCpuTime();
    long end = cpu0 + (long) (seconds * 1e9);
    long calls = 0;
    long cpu;
    do {
      for (int i = 0; i < 10; i++) {
        sink += op.run();
      }
      calls += 10;
      cpu = bean.getCurrentThreadCpuTime();
    } while (cpu < end);
    long wall = System.nanoTime() - wall0;
    if (sink == Float.MIN_VALUE) {
      System.out.println();
    }
    return new double[] {calls / ((cpu - cpu0) / 1e9), calls / (wall / 1e9)};
  }
}
