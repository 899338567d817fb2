package dev.netc.cli;

import dev.netc.codegen.ClassCache;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.KernelPlan;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Network;
import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import dev.netc.runtime.train.JitWarmUp;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Chooses a network's kernel plan by timing each candidate ({@link KernelPlan#candidates}) on
 * this machine, as FFTW and ATLAS do, each in a JVM of its own: a training step of the
 * network's vector class (a forward pass for a network without a loss) on synthetic data of the
 * given batch size, one thread. Each variant is warmed up until its step time settles ({@link
 * JitWarmUp}), then the fastest of {@link #GROUPS} groups of {@link JitWarmUp#GROUP} steps is its
 * time: the least disturbed by the rest of the machine. About two seconds per variant for the
 * Fashion-MNIST MLP, JVM start included.
 */
final class Planner {
  /** Timed groups per variant after its warm-up. */
  static final int GROUPS = 10;

  /** One variant's time per step. */
  record Timing(KernelPlan plan, double nanosPerStep) {}

  /**
   * What the planner chose ({@link #plan}, the fastest) from the {@code timings} of each variant
   * at batch size {@code batch}.
   */
  record Result(KernelPlan plan, List<Timing> timings, int batch, int rounds,
      Set<KernelPlan> narrowed) {

    /**
     * The timings as {@code v256 0.612 ms/step, v512 0.801 ms/step}, then the plans this CPU
     * narrows and so were not timed.
     */
    String timingList() {
      return timings.stream().map(t -> String.format(Locale.ROOT, "%s %.3f ms/step",
          t.plan(), t.nanosPerStep() / 1e6)).collect(Collectors.joining(", "))
          + (narrowed.isEmpty() ? "" : "; " + narrowedList());
    }

    /** The plans not timed, as {@code v512, v512-dot: wider than this CPU's vectors}. */
    String narrowedList() {
      return narrowed.stream().map(KernelPlan::id).collect(Collectors.joining(", "))
          + ": wider than this CPU's vectors, not timed";
    }

    /** One line: the plan and why. */
    String summary() {
      return "kernel plan " + plan + " (planned at batch " + batch + ": " + timingList() + ")";
    }

    /** What a plan file records beside the plan. */
    Map<String, String> notes() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("batch", Integer.toString(batch));
      m.put("rounds", Integer.toString(rounds));
      m.put("timings", timingList());
      return m;
    }
  }

  private Planner() {}

  /**
   * True if plans differ for {@code net}: it has a convolution or a looped dense layer, whose
   * kernels are written in the plan's vectors and tiles. Unrolled layers are straight-line
   * scalar code, the same under every plan, and so are pools.
   */
  static boolean matters(Network net) {
    CodegenPolicy policy = CodegenPolicy.defaults();
    return net.layers().stream().anyMatch(l -> l instanceof Conv2d
        || l instanceof Dense && policy.kernel(l) == CodegenPolicy.Kernel.LOOPED);
  }

  /**
   * True if a plan of {@code net} timed at batch {@code planned} (0: unknown) is as good a
   * choice at batch {@code batch}: false only where the planner would time more variants now,
   * a batched network's smaller chunk ({@link KernelPlan#chunkings}), which it left out at the
   * smaller batch. A plan timed at batch 32 and used at 128 would otherwise never try the chunk
   * of 32 (on the Zen 3 host +7 % at batch 128).
   */
  static boolean covers(Network net, KernelPlan plan, int planned, int batch) {
    return plan.chunk() != 0 || chunkings(net, plan, batch).isEmpty()
        || planned > 0 && !chunkings(net, plan, planned).isEmpty();
  }

  /**
   * The chunks of {@code plan} a planner times for {@code net} at {@code batch} ({@link
   * KernelPlan#chunkings}): none unless the network runs batched kernels.
   */
  private static List<KernelPlan> chunkings(Network net, KernelPlan plan, int batch) {
    CodegenPolicy policy = CodegenPolicy.defaults();
    return policy.batched(net) ? plan.chunkings(policy.chunk(), batch) : List.of();
  }

  /**
   * What a plan is keyed by: the SHA-256 of the network's vector class (the same for every plan),
   * with seed 0, since the seed changes the class but not its kernels, and the {@code .net} file
   * by name ({@link Backends#inMemory}), wherever it lies. From the class cache's
   * recipe index where it has it ({@link ClassCache#sourceDigest}), so that looking up a cached
   * plan does not generate the class again.
   */
  static String source(Network net) {
    Network unseeded = Backends.inMemory(net).withSeed(0);
    Supplier<String> source =
        () -> Backends.generate(unseeded, CodegenPolicy.Backend.VECTOR).toString();
    return ClassCache.defaultDirectory()
        .map(dir -> new ClassCache(dir).sourceDigest(
            Backends.recipe(unseeded, CodegenPolicy.Backend.VECTOR), source))
        .orElseGet(() -> ClassCache.digest(source.get()));
  }

  /**
   * Times every candidate plan for network {@code net} of {@code model} at {@code batch}
   * examples, each in its own JVM ({@link ChildJvm}: running two widths in one JVM slows the
   * second), in {@code rounds} rounds, every other round in reverse order; each plan's time is
   * its fastest round. First the widths and forward forms ({@link KernelPlan#candidates}, tiles
   * by the register count), then both register tile shapes of the fastest ({@link
   * KernelPlan#tilings}, one of which repeats it), and for a network of batched kernels at a
   * batch of more than 32 the fastest with a chunk of 32 examples ({@link
   * KernelPlan#chunkings}); the fastest plan of all is kept. One JVM's
   * compiled code can be 10–15 % faster or slower than the next one's for the same plan, so
   * more rounds make the choice less a matter of one JVM's luck. A variant whose JVMs all fail
   * is left out; if all fail, an error. A variant wider than this CPU's vectors is not timed:
   * its class would run a narrower plan ({@link KernelPlan#narrowedTo}), which is a candidate of
   * its own. The variants' JVMs share the user's class cache, or a temporary one where that
   * cannot be written ({@link #sharedClassCache}).
   */
  static Result plan(Path model, Network net, int batch, int rounds) {
    Path scratch = sharedClassCache().isPresent() ? null : scratchCache();
    List<String> childOptions =
        scratch == null ? List.of() : List.of("-Dnetc.cacheDir=" + scratch);
    try {
      Map<KernelPlan, Double> best = new LinkedHashMap<>();
      Set<KernelPlan> narrowed = new LinkedHashSet<>();
      List<String> problems = new ArrayList<>();
      Variants variants = new Variants(model, net, batch, rounds, childOptions, best, narrowed,
          problems);
      variants.time(KernelPlan.candidates());
      KernelPlan shape = fastest(best, problems).plan();
      variants.time(shape.tilings());
      variants.time(chunkings(net, fastest(best, problems).plan(), batch));
      List<Timing> timings = best.entrySet().stream()
          .map(e -> new Timing(e.getKey(), e.getValue())).toList();
      return new Result(fastest(best, problems).plan(), timings, batch, rounds, narrowed);
    } finally {
      deleteTree(scratch);
    }
  }

  /**
   * The user's class cache folder if the variants' JVMs can write to it ({@link
   * ClassCache#defaultDirectory}), so that the first compiles the network's class and the
   * others load it: every variant runs the same class, which picks its plan at initialization.
   */
  static Optional<Path> sharedClassCache() {
    return ClassCache.defaultDirectory().filter(dir -> {
      try {
        Files.createDirectories(dir);
        return Files.isWritable(dir);
      } catch (IOException | RuntimeException e) {
        return false;
      }
    });
  }

  /**
   * Where there is no such folder (the cache turned off, or a read-only home), a temporary one
   * for this planning only, deleted after it: otherwise each variant's JVM compiled the class
   * itself (`netc tune` of a 40-30-3 network: 21 s against 8 s). Null if none can be made
   * either; each JVM then compiles its own.
   */
  private static Path scratchCache() {
    try {
      return Files.createTempDirectory("netc-plan-");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Deletes {@code dir} and everything below it, as far as it can; nothing if null. */
  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | RuntimeException e) {
      // A temporary folder left behind: the system's to clean.
    }
  }

  /** The fastest plan timed so far; an error naming the problems if none was. */
  private static Timing fastest(Map<KernelPlan, Double> best, List<String> problems) {
    return best.entrySet().stream().map(e -> new Timing(e.getKey(), e.getValue()))
        .min(Comparator.comparingDouble(Timing::nanosPerStep))
        .orElseThrow(() -> new UserException("cannot time the kernel plans: "
            + String.join("; ", problems)));
  }

  /**
   * The timing of variants of network {@code net} of {@code model} at {@code batch} examples in
   * {@code rounds} rounds, each in a JVM with {@code childOptions} too, into {@code best} (the
   * fastest time per plan), {@code narrowed} (plans this CPU narrows) and {@code problems}.
   */
  private record Variants(Path model, Network net, int batch, int rounds,
      List<String> childOptions, Map<KernelPlan, Double> best, Set<KernelPlan> narrowed,
      List<String> problems) {

    /** Times each of {@code plans}. */
    void time(List<KernelPlan> plans) {
      List<KernelPlan> order = new ArrayList<>(plans);
      for (int round = 0; round < rounds; round++) {
        for (KernelPlan p : order) {
          if (narrowed.contains(p)) {
            continue;
          }
          try {
            ChildJvm.Outcome o = ChildJvm.run(childOptions, Probe.class.getName(),
                List.of(model.toString(), net.name(), p.id(), Integer.toString(batch)),
                CHILD_SECONDS);
            String last = resultLine(o.out());
            if (o.exitCode() == 0 && last.startsWith(Probe.NARROWED)) {
              narrowed.add(p);
              continue;
            }
            if (o.exitCode() != 0 || !last.startsWith(Probe.PREFIX)) {
              problems.add(p + ": " + failure(o));
              continue;
            }
            best.merge(p, Double.parseDouble(last.substring(Probe.PREFIX.length())), Math::min);
          } catch (IOException | RuntimeException e) {
            problems.add(p + ": " + e.getMessage());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("planning interrupted");
          }
        }
        Collections.reverse(order);
      }
    }
  }

  /**
   * The probe's result line: the last line of {@code out} that holds a time or a narrowed plan
   * (a JVM option of the user's may make the JVM print more after it), else the last line.
   */
  static String resultLine(String out) {
    List<String> lines = out.strip().lines().toList();
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith(Probe.PREFIX) || lines.get(i).startsWith(Probe.NARROWED)) {
        return lines.get(i);
      }
    }
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  /**
   * Why a variant's JVM gave no time: the last line it printed on stderr other than the JVM's
   * notice that the Vector API is an incubator module (which says nothing), else its exit code.
   */
  static String failure(ChildJvm.Outcome o) {
    return o.err().lines().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith(INCUBATOR_WARNING))
        .reduce((a, b) -> b)
        .orElse(o.exitCode() == 0 ? "printed no time per step" : "exit code " + o.exitCode());
  }

  /** How the JVM's notice on stderr that it runs an incubator module begins. */
  static final String INCUBATOR_WARNING = "WARNING: Using incubator modules";

  /** Longest a variant's JVM may take (start, compile, warm up, time). */
  static final long CHILD_SECONDS = 60;

  /** The main class of a variant's JVM: times one plan and prints its time per step. */
  static final class Probe {
    /** What the time per step follows on the last line of output. */
    static final String PREFIX = "nanos per step: ";
    /** What the plan a class runs instead of the one asked for follows (not timed). */
    static final String NARROWED = "narrowed to: ";

    private Probe() {}

    /** Arguments: MODEL.net, network name, plan, batch size. */
    public static void main(String[] args) {
      Netc.skipVectorWarmUp();
      PrintWriter err = new PrintWriter(System.err, true);
      try {
        Network net = ModelFile.load(Path.of(args[0]), err).select(args[1]);
        KernelPlan plan = KernelPlan.parse(args[2]);
        int batch = Integer.parseInt(args[3]);
        Object instance = Backends.instantiate(net, CodegenPolicy.Backend.VECTOR, plan);
        KernelPlan running = KernelPlan.running(instance.getClass());
        if (!running.equals(plan)) {
          System.out.println(NARROWED + running);
          return;
        }
        System.out.println(PREFIX + time(step(instance, batch, new Random(net.seed()))));
      } catch (RuntimeException e) {
        System.err.println(e.getMessage());
        System.exit(1);
      }
    }
  }

  /** Nanoseconds per step once warm: the fastest of {@link #GROUPS} timed groups. */
  private static double time(Runnable step) {
    JitWarmUp.run(step);
    long fastest = Long.MAX_VALUE;
    for (int g = 0; g < GROUPS; g++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < JitWarmUp.GROUP; i++) {
        step.run();
      }
      fastest = Math.min(fastest, System.nanoTime() - t0);
    }
    return (double) fastest / JitWarmUp.GROUP;
  }

  /**
   * One step of {@code instance} on random inputs in [0, 1) and valid targets (class indices for
   * cross-entropy, values in [0, 1) otherwise): a training step, or a forward pass.
   */
  private static Runnable step(Object instance, int batch, Random rnd) {
    if (instance instanceof FloatNetwork f) {
      float[] xs = new float[batch * f.inputSize()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = rnd.nextFloat();
      }
      if (f instanceof TrainableFloatNetwork t) {
        float[] ts = new float[batch * t.targetWidth()];
        for (int i = 0; i < ts.length; i++) {
          ts[i] = t.targetWidth() == 1 ? rnd.nextInt(t.outputSize()) : rnd.nextFloat();
        }
        return () -> t.trainBatch(xs, ts, batch);
      }
      float[] out = new float[batch * f.outputSize()];
      return () -> f.predictBatch(xs, out, batch);
    }
    DoubleNetwork d = (DoubleNetwork) instance;
    double[] xs = new double[batch * d.inputSize()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = rnd.nextDouble();
    }
    if (d instanceof TrainableDoubleNetwork t) {
      double[] ts = new double[batch * t.targetWidth()];
      for (int i = 0; i < ts.length; i++) {
        ts[i] = t.targetWidth() == 1 ? rnd.nextInt(t.outputSize()) : rnd.nextDouble();
      }
      return () -> t.trainBatch(xs, ts, batch);
    }
    double[] out = new double[batch * d.outputSize()];
    return () -> d.predictBatch(xs, out, batch);
  }
}
