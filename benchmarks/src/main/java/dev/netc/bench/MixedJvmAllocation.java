package dev.netc.bench;

import dev.netc.bench.gen.TanhMlpVector;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whether the generated vector classes still allocate nothing when several of them share one
 * JVM: LeNet-5 and the Small CNN are trained and predicted first, then the MLP, each hot path
 * run in rounds until one round allocates no byte (at most 300 rounds). JDK 17's C2 can stop
 * inlining the Vector API into one class's kernels after other classes warmed up (the trap
 * budget, docs/performance.md), and then a step boxes its vectors in every round. The outcome
 * varies from JVM to JVM: run it several times.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * dev.netc.bench.MixedJvmAllocation [runs] [--tanh | --tanh-first] [JVM_OPTION...]}, which
 * starts {@code runs} (default 1) child JVMs in turn, each with the given options (say {@code
 * -XX:PerMethodTrapLimit=100000}), and prints one line per hot path and run. {@code --tanh} runs
 * the tanh MLP ({@link BenchNetworks#tanhMlp()}) after the MLP: its tanh kernel's operations,
 * first used after the other kernels warmed up, made C2 box in every JVM (docs/performance.md,
 * thirty-fifth session) until the first float vector class of a JVM ran that kernel a few times
 * ({@code dev.netc.runtime.VectorWarmUp}; {@code -Dnetc.vectorWarmUp=false} shows the boxing
 * again; thirty-seventh session); {@code --tanh-first} runs it before the CNNs instead.
 * {@code MixedJvmAllocationTest} runs {@code --tanh} once.
 */
public final class MixedJvmAllocation {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final int ROUNDS = 300;

  private MixedJvmAllocation() {}

  /** With "--child ORDER", runs the sequence here; otherwise starts that many child JVMs. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      sequence(args[1]);
      return;
    }
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    // "--tanh", "--tanh-first", or neither ("--mlp"); the rest are the children's JVM options.
    int next = Math.min(args.length, 1);
    String order = "--mlp";
    if (args.length > 1 && (args[1].equals("--tanh") || args[1].equals("--tanh-first"))) {
      order = args[1];
      next = 2;
    }
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "--add-modules", "jdk.incubator.vector"));
    command.addAll(Arrays.asList(args).subList(next, args.length));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        MixedJvmAllocation.class.getName(), "--child", order));
    for (int run = 1; run <= runs; run++) {
      System.out.println("run " + run + ":");
      Process p = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .start();
      try (var out = p.inputReader()) {
        out.lines().filter(l -> !l.startsWith("WARNING"))
            .forEach(l -> System.out.println("  " + l));
      }
      p.waitFor();
    }
  }

  private static void sequence(String order) {
    if (order.equals("--tanh-first")) {
      tanhMlp();
    }
    GeneratedBench bench = new GeneratedBench();
    var lenet = GeneratedBench.Cnn.ready(new GeneratedBench.LeNet5State(), "vector");
    report("lenet5TrainB32", () -> bench.lenet5TrainB32(lenet), 5);
    report("lenet5PredictB1", () -> bench.lenet5PredictB1(lenet), 20);
    var small = GeneratedBench.Cnn.ready(new GeneratedBench.SmallCnnState(), "vector");
    report("smallCnnTrainB32", () -> bench.smallCnnTrainB32(small), 1);
    report("smallCnnPredictB1", () -> bench.smallCnnPredictB1(small), 20);
    GeneratedBench.MlpState mlp = new GeneratedBench.MlpState();
    mlp.backend = "vector";
    mlp.setUp();
    mlp.reset();
    report("mlpTrainB1", () -> bench.mlpTrainB1(mlp), 100);
    report("mlpTrainB32", () -> bench.mlpTrainB32(mlp), 100);
    report("mlpPredictB1", () -> bench.mlpPredictB1(mlp), 100);
    if (order.equals("--tanh")) {
      tanhMlp();
    }
  }

  private static void tanhMlp() {
    TanhMlpVector net = new TanhMlpVector();
    BenchData b1 = BenchData.mlp(1);
    BenchData b32 = BenchData.mlp(32);
    float[] out = new float[net.outputSize()];
    report("tanhMlpTrainB32", () -> net.trainBatch(b32.xs()[0], b32.labels()[0], 32), 100);
    report("tanhMlpPredictB1", () -> net.predict(b1.xs()[0], out), 100);
  }


  /** Runs {@code op} in rounds of {@code calls} until a round allocates nothing; prints which. */
  private static void report(String name, Runnable op, int calls) {
    op.run();
    long bytes = -1;
    int round = 0;
    for (; round < ROUNDS; round++) {
      long id = Thread.currentThread().getId();
      long before = THREADS.getThreadAllocatedBytes(id);
      for (int i = 0; i < calls; i++) {
        op.run();
      }
      bytes = THREADS.getThreadAllocatedBytes(id) - before;
      if (bytes == 0) {
        break;
      }
    }
    System.out.println(name + ": " + (bytes == 0 ? "clean after " + round + " rounds"
        : "ALLOCATES " + bytes + " bytes per " + calls + " calls after " + ROUNDS + " rounds"));
  }
}
