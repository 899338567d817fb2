package dev.netc.bench;

import com.sun.management.ThreadMXBean;
import dev.netc.runtime.StepTeam;
import dev.netc.runtime.TrainableFloatNetwork;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Generated float classifiers' training steps timed in short bursts of about 4,096 samples,
 * the classes taking turns, for A/B runs of hand-edited or differently planned classes on a
 * host whose speed swings from second to second: a burst that the host slowed is a slow
 * sample, not a slow class, so the best and the tenth-percentile bursts compare kernels where a
 * median of long rounds ({@link Alternated}) often cannot. Prints, per class, the best, 10th
 * percentile and median bursts in samples/s, and the bytes the thread allocated per step (0
 * when C2 compiled the kernels' vectors unboxed).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp CLASSES:benchmarks.jar
 * dev.netc.bench.Bursts NETWORK BATCH SECONDS PACKAGE[@PLAN]...}: the class {@code
 * PACKAGE.NETWORK} of each argument, initialized with the system property {@code netc.plan}
 * set to PLAN (or cleared), so that one class's copies in several packages run several plans.
 * The first 3 s are warm-up. The inputs and labels are {@link BenchData#random}'s pool (uniform
 * in [0, 1), random classes; BATCH must divide its {@value BenchData#POOL_EXAMPLES} examples),
 * cycled through.
 *
 * <p>With the system property {@code bursts.threads} above 1, every class splits its steps
 * over one {@link StepTeam} of that many threads (as {@code netc train} does on two cores).
 *
 * <p>Several Vector API classes in one JVM can pollute each other's type profiles (C2 then
 * boxes some vectors: the allocation column shows it): compare such runs only where every
 * class reads 0 B/step, else run one class per JVM and alternate the JVMs.
 */
public final class Bursts {
  private static final long WARM_UP_NANOS = 3_000_000_000L;

  private Bursts() {}

  public static void main(String[] args) throws ReflectiveOperationException {
    if (args.length < 4) {
      System.err.println("usage: Bursts NETWORK BATCH SECONDS PACKAGE[@PLAN]...");
      System.exit(2);
    }
    String network = args[0];
    int batch = Integer.parseInt(args[1]);
    double seconds = Double.parseDouble(args[2]);
    int n = args.length - 3;
    TrainableFloatNetwork[] nets = new TrainableFloatNetwork[n];
    for (int i = 0; i < n; i++) {
      String[] packageAndPlan = args[3 + i].split("@", 2);
      if (packageAndPlan.length == 2) {
        System.setProperty("netc.plan", packageAndPlan[1]);
      } else {
        System.clearProperty("netc.plan");
      }
      Class<?> c = Class.forName(packageAndPlan[0] + "." + network);
      nets[i] = (TrainableFloatNetwork) c.getConstructor().newInstance();
      System.out.println(args[3 + i] + " runs " + c.getField("KERNEL_PLAN").get(null));
    }
    int teamThreads = Integer.getInteger("bursts.threads", 1);
    StepTeam team = teamThreads > 1 ? StepTeam.of(teamThreads) : null;
    for (TrainableFloatNetwork net : nets) {
      if (team != null && !net.useStepTeam(team)) {
        throw new IllegalArgumentException(net.getClass().getName() + " does not split its steps");
      }
    }
    BenchData data = BenchData.random(nets[0].inputSize(), nets[0].outputSize(), batch, 0.0,
        1.0, 1);
    int steps = Math.max(1, 4096 / batch);
    List<List<Long>> nanos = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nanos.add(new ArrayList<>());
    }
    long[] allocated = new long[n];
    long[] measuredSteps = new long[n];
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    float sink = 0;
    for (int round = 0; System.nanoTime() < end; round++) {
      for (int k = 0; k < n; k++) {
        // Each round starts with the next class: none always runs right after another.
        int i = (round + k) % n;
        long bytes = threads.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
          int b = s % data.batches();
          sink += nets[i].trainBatch(data.xs()[b], data.labels()[b], batch);
        }
        long t1 = System.nanoTime();
        if (t0 - start > WARM_UP_NANOS) {
          nanos.get(i).add(t1 - t0);
          allocated[i] += threads.getCurrentThreadAllocatedBytes() - bytes;
          measuredSteps[i] += steps;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      List<Long> sorted = nanos.get(i);
      if (sorted.isEmpty()) {
        throw new IllegalArgumentException("SECONDS must leave time after the 3 s of warm-up");
      }
      Collections.sort(sorted);
      double samples = (double) steps * batch;
      System.out.printf(Locale.ROOT,
          "%s: best %.0f, p10 %.0f, median %.0f samples/s (%d bursts), %.0f B/step%n",
          args[3 + i], samples / (sorted.get(0) / 1e9),
          samples / (sorted.get(sorted.size() / 10) / 1e9),
          samples / (sorted.get(sorted.size() / 2) / 1e9), sorted.size(),
          (double) allocated[i] / measuredSteps[i]);
    }
    if (sink == 42) {
      System.out.println();
    }
    if (team != null) {
      team.close();
    }
  }
}
