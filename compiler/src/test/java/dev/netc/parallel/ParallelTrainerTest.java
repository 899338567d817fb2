package dev.netc.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.ParallelDoubleTrainer;
import dev.netc.runtime.ParallelFloatTrainer;
import dev.netc.runtime.ParallelTrainer;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Data-parallel training: deterministic whatever the scheduling, equal to one thread up to float
 * rounding (float) or to double rounding (double networks, where shard weighting errors of any
 * reduction would show), failures that leave the network unchanged, and threads that stop.
 */
class ParallelTrainerTest {
  private static final String MLP = """
      network Mlp {
        input 12
        dense 16 relu
        dense 8 tanh
        dense 4 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.05, momentum = 0.9)
        init he(seed = 7)
        precision float
      }
      """;

  private static TrainableFloatNetwork prototype;

  @BeforeAll
  static void compileMlp() throws ReflectiveOperationException {
    Network net = network(MLP);
    JavaFile file = JavaGenerator.generate(net, "parallel.test");
    Class<?> type = InMemoryCompiler.compile(List.of(file)).load("parallel.test.Mlp");
    prototype = (TrainableFloatNetwork) type.getConstructor().newInstance();
  }

  private static Network network(String source) {
    FrontendResult r = Frontend.compile("test.net", source);
    assertTrue(!r.hasErrors(), r.renderDiagnostics());
    return r.networks().get(0);
  }

  /** 60 rows of 12 inputs with class labels 0..3, from a fixed seed. */
  private static float[][] classData() {
    Random rnd = new Random(11);
    float[] xs = new float[60 * 12];
    float[] ts = new float[60];
    for (int e = 0; e < 60; e++) {
      for (int i = 0; i < 12; i++) {
        xs[e * 12 + i] = (float) rnd.nextGaussian();
      }
      ts[e] = rnd.nextInt(4);
    }
    return new float[][] {xs, ts};
  }

  /** Trains a fresh copy of the prototype on batches of {@code batch} rows; returns parameters. */
  private static float[] trainFloat(int threads, int batch, int epochs) {
    float[][] data = classData();
    TrainableFloatNetwork net = prototype.copy();
    float[] xs = new float[batch * 12];
    float[] ts = new float[batch];
    try (ParallelFloatTrainer t = ParallelTrainer.of(net, LossReduction.MEAN, threads)) {
      for (int epoch = 0; epoch < epochs; epoch++) {
        for (int from = 0; from < 60; from += batch) {
          int n = Math.min(batch, 60 - from);
          System.arraycopy(data[0], from * 12, xs, 0, n * 12);
          System.arraycopy(data[1], from, ts, 0, n);
          float loss = t.trainBatch(xs, ts, n);
          assertTrue(Float.isFinite(loss));
        }
      }
    }
    float[] p = new float[net.parameterCount()];
    net.getParameters(p);
    return p;
  }

  /** A CNN whose 2048 → 16 dense layer (128 KB) trains over aligned copies from 16 examples. */
  private static final String CNN = """
      network Cnn {
        input 1x16x16
        conv2d 8 3x3 (padding = 1) relu
        dense 16 relu
        dense 3 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.05, momentum = 0.9)
        init he(seed = 3)
        precision float
      }
      """;

  @Test
  void aCnnOnTwoThreadsStepsWithTheWeightedSumOfItsShardsGradients()
      throws ReflectiveOperationException {
    // netc train's default runs CNNs on every core. The vector class's large dense layer trains
    // over 64-byte-aligned copies in shards of 16 examples or more, and every replica keeps
    // copies of its own, refreshed after each optimizer step: the trainer must step exactly as
    // one network stepping with the shard-weighted sum of the shards' gradients, bit for bit,
    // with shards above and below that threshold in turn.
    Network net = network(CNN);
    JavaFile file = JavaGenerator.generate(net, "parallel.cnn",
        CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR));
    TrainableFloatNetwork parallel = (TrainableFloatNetwork) InMemoryCompiler
        .compile(List.of(file)).load("parallel.cnn.Cnn").getConstructor().newInstance();
    TrainableFloatNetwork reference = parallel.copy();
    int in = net.inputSize();
    int p = net.parameterCount();
    Random rnd = new Random(21);
    try (ParallelFloatTrainer t = ParallelTrainer.of(parallel, LossReduction.MEAN, 2)) {
      // Shards of 19 + 18, 10 + 10, 20 + 20, 19 + 18 rows (the first n mod T get one more).
      for (int n : new int[] {37, 20, 40, 37}) {
        float[] xs = new float[n * in];
        float[] ts = new float[n];
        for (int i = 0; i < xs.length; i++) {
          xs[i] = (float) rnd.nextGaussian();
        }
        for (int e = 0; e < n; e++) {
          ts[e] = rnd.nextInt(3);
        }
        float[] combined = new float[p];
        float expectedLoss = 0;
        int[] sizes = {(n + 1) / 2, n / 2};
        for (int k = 0, start = 0; k < 2; start += sizes[k], k++) {
          float[] g = new float[p];
          float loss = reference.gradient(
              java.util.Arrays.copyOfRange(xs, start * in, (start + sizes[k]) * in),
              java.util.Arrays.copyOfRange(ts, start, start + sizes[k]), sizes[k], g);
          float w = (float) LossReduction.MEAN.shardWeight(sizes[k], n);
          for (int i = 0; i < p; i++) {
            combined[i] = k == 0 ? w * g[i] : combined[i] + w * g[i];
          }
          expectedLoss += w * loss;
        }
        reference.optimizerStep(combined);
        assertEquals(expectedLoss, t.trainBatch(xs, ts, n), 0f, "loss of batch " + n);
        float[] expected = new float[p];
        float[] actual = new float[p];
        reference.getParameters(expected);
        parallel.getParameters(actual);
        assertArrayEquals(expected, actual, "parameters after the batch of " + n);
      }
    }
  }

  @Test
  void rowsThatEachThreadCopiesTrainAsRowsInOneArray() {
    // Rows gathered by each thread for its own shard (netc train's shuffled batches), out of a
    // permuted store: the same steps, bit for bit, as the gathered batch in one array.
    float[][] data = classData();
    int[] order = new int[60];
    for (int i = 0; i < 60; i++) {
      order[i] = (i * 37) % 60;
    }
    for (int threads : new int[] {1, 2, 3}) {
      TrainableFloatNetwork inArray = prototype.copy();
      TrainableFloatNetwork inRows = prototype.copy();
      try (ParallelFloatTrainer a = ParallelTrainer.of(inArray, LossReduction.MEAN, threads);
          ParallelFloatTrainer b = ParallelTrainer.of(inRows, LossReduction.MEAN, threads)) {
        for (int from = 0; from < 60; from += 7) {
          int n = Math.min(7, 60 - from);
          int first = from;
          float[] xs = new float[n * 12];
          float[] ts = new float[n];
          for (int e = 0; e < n; e++) {
            System.arraycopy(data[0], order[first + e] * 12, xs, e * 12, 12);
            ts[e] = data[1][order[first + e]];
          }
          float expected = a.trainBatch(xs, ts, n);
          float actual = b.trainBatch((start, size, bx, bt) -> {
            for (int e = 0; e < size; e++) {
              System.arraycopy(data[0], order[first + start + e] * 12, bx, e * 12, 12);
              bt[e] = data[1][order[first + start + e]];
            }
          }, n);
          assertEquals(expected, actual, 0f, threads + " threads, rows from " + from);
        }
      }
      float[] p = new float[inArray.parameterCount()];
      float[] q = new float[p.length];
      inArray.getParameters(p);
      inRows.getParameters(q);
      assertArrayEquals(p, q, threads + " threads");
    }
    // The double trainer too (the interpreter), on 2 threads.
    Network net = network(doubleNet("mse", "identity", "sgd(lr = 0.05, momentum = 0.9)"));
    Interpreter inArray = new Interpreter(net);
    Interpreter inRows = inArray.copy();
    Random rnd = new Random(8);
    double[] xs = new double[9 * 5];
    double[] ts = new double[9 * 3];
    try (ParallelDoubleTrainer a = ParallelTrainer.of(inArray, LossReduction.MEAN, 2);
        ParallelDoubleTrainer b = ParallelTrainer.of(inRows, LossReduction.MEAN, 2)) {
      for (int step = 0; step < 4; step++) {
        for (int i = 0; i < xs.length; i++) {
          xs[i] = rnd.nextGaussian();
        }
        for (int i = 0; i < ts.length; i++) {
          ts[i] = rnd.nextDouble();
        }
        double expected = a.trainBatch(xs, ts, 9);
        double actual = b.trainBatch((start, size, bx, bt) -> {
          System.arraycopy(xs, start * 5, bx, 0, size * 5);
          System.arraycopy(ts, start * 3, bt, 0, size * 3);
        }, 9);
        assertEquals(expected, actual, 0.0, "double, step " + step);
      }
    }
    double[] p = new double[inArray.parameterCount()];
    double[] q = new double[p.length];
    inArray.getParameters(p);
    inRows.getParameters(q);
    assertArrayEquals(p, q);
  }

  @Test
  void twoAndThreeThreadsGiveBitIdenticalResultsOnEveryRun() {
    for (int threads : new int[] {2, 3}) {
      // batch 7 leaves a last batch of 4 rows and uneven shards
      float[] first = trainFloat(threads, 7, 3);
      float[] second = trainFloat(threads, 7, 3);
      assertArrayEquals(first, second, threads + " threads");
    }
  }

  @Test
  void oneThreadIsTrainBatchBitForBit() {
    float[][] data = classData();
    TrainableFloatNetwork plain = prototype.copy();
    for (int from = 0; from < 60; from += 7) {
      int n = Math.min(7, 60 - from);
      plain.trainBatch(java.util.Arrays.copyOfRange(data[0], from * 12, (from + n) * 12),
          java.util.Arrays.copyOfRange(data[1], from, from + n), n);
    }
    float[] expected = new float[plain.parameterCount()];
    plain.getParameters(expected);
    assertArrayEquals(expected, trainFloat(1, 7, 1));
  }

  @Test
  void severalThreadsMatchOneThreadWithinFloatRounding() {
    // Not bit-identical: one thread sums the batch in one float running sum, T threads in T
    // partial sums that are then weighted and added, so roundings differ (by ~1e-7 relative per
    // step), and 3 epochs of momentum SGD carry them forward.
    float[] one = trainFloat(1, 10, 3);
    for (int threads : new int[] {2, 3}) {
      float[] many = trainFloat(threads, 10, 3);
      for (int i = 0; i < one.length; i++) {
        assertEquals(one[i], many[i], 2e-4 * Math.max(1, Math.abs(one[i])),
            threads + " threads, parameter " + i);
      }
    }
  }

  /** Trains the interpreter of a double network with and without threads; same parameters. */
  private static void assertDoubleMatches(String source, int threads, int batch) {
    Network net = network(source);
    Random rnd = new Random(5);
    int in = net.inputSize();
    int tw = net.targetWidth();
    double[] xs = new double[batch * in];
    double[] ts = new double[batch * tw];
    Interpreter plain = new Interpreter(net);
    Interpreter parallel = plain.copy();
    try (ParallelDoubleTrainer t = ParallelTrainer.of(parallel, reductionOf(net), threads)) {
      for (int step = 0; step < 5; step++) {
        for (int i = 0; i < xs.length; i++) {
          xs[i] = rnd.nextGaussian();
        }
        for (int i = 0; i < ts.length; i++) {
          ts[i] = rnd.nextDouble();
        }
        double expected = plain.trainBatch(xs, ts, batch);
        assertEquals(expected, t.trainBatch(xs, ts, batch), 1e-12 * Math.abs(expected));
      }
    }
    double[] a = new double[plain.parameterCount()];
    double[] b = new double[a.length];
    plain.getParameters(a);
    parallel.getParameters(b);
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-12 * Math.max(1, Math.abs(a[i])), source + " parameter " + i);
    }
  }

  private static LossReduction reductionOf(Network net) {
    return net.loss().orElseThrow().reduction() == dev.netc.runtime.LossReduction.SUM
        ? LossReduction.SUM : LossReduction.MEAN;
  }

  private static String doubleNet(String loss, String outAct, String optimizer) {
    return "network D {\n input 5\n dense 6 sigmoid\n dense 3 " + outAct + "\n loss " + loss
        + "\n optimizer " + optimizer + "\n precision double\n}\n";
  }

  @Test
  void shardWeightsFollowTheReduction() {
    // In double precision a wrong weight (e.g. 1/T for sum, or n/N forgotten for mse's
    // 1/(n·outputs)) would be off by far more than 1e-12; uneven shards (7 rows on 3 threads).
    String sgd = "sgd(lr = 0.1, momentum = 0.5)";
    String adam = "adam(lr = 0.01)";
    assertDoubleMatches(doubleNet("mse", "identity", sgd), 3, 7);
    assertDoubleMatches(doubleNet("mse(reduction = sum)", "identity", sgd), 3, 7);
    assertDoubleMatches(doubleNet("binary_cross_entropy", "sigmoid", adam), 2, 5);
    assertDoubleMatches(doubleNet("binary_cross_entropy(reduction = sum)", "sigmoid", adam), 3, 8);
    // a batch smaller than the thread count leaves threads idle
    assertDoubleMatches(doubleNet("mse", "identity", adam), 3, 2);
  }

  @Test
  void aFailingShardChangesNothingAndTheTrainerGoesOn() {
    float[][] data = classData();
    TrainableFloatNetwork net = prototype.copy();
    float[] before = new float[net.parameterCount()];
    net.getParameters(before);
    float[] xs = java.util.Arrays.copyOf(data[0], 10 * 12);
    float[] ts = java.util.Arrays.copyOf(data[1], 10);
    ts[9] = 4; // class 4 of 4: the last shard, on a worker thread
    try (ParallelFloatTrainer t = ParallelTrainer.of(net, LossReduction.MEAN, 2)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> t.trainBatch(xs, ts, 10));
      assertTrue(e.getMessage().contains("class index"), e.getMessage());
      float[] after = new float[before.length];
      net.getParameters(after);
      assertArrayEquals(before, after);
      // Rows that fail to copy on the worker (a bad row of a dataset) change nothing either.
      IllegalStateException copy = assertThrows(IllegalStateException.class,
          () -> t.trainBatch((from, size, bx, bt) -> {
            if (from > 0) {
              throw new IllegalStateException("row " + from + " is unreadable");
            }
            System.arraycopy(xs, 0, bx, 0, size * 12);
            System.arraycopy(ts, 0, bt, 0, size);
          }, 10));
      assertEquals("row 5 is unreadable", copy.getMessage());
      net.getParameters(after);
      assertArrayEquals(before, after);
      assertThrows(IllegalArgumentException.class,
          () -> t.trainBatch((from, size, bx, bt) -> { }, 0));
      ts[9] = 3;
      t.trainBatch(xs, ts, 10);
    }
    TrainableFloatNetwork reference = prototype.copy();
    try (ParallelFloatTrainer t = ParallelTrainer.of(reference, LossReduction.MEAN, 2)) {
      t.trainBatch(xs, ts, 10);
    }
    float[] a = new float[before.length];
    float[] b = new float[before.length];
    net.getParameters(a);
    reference.getParameters(b);
    assertArrayEquals(b, a);
  }

  @Test
  void syncCopiesTheMasterIntoTheReplicas() {
    float[][] data = classData();
    float[] xs = java.util.Arrays.copyOf(data[0], 10 * 12);
    float[] ts = java.util.Arrays.copyOf(data[1], 10);
    float[] reset = new float[prototype.parameterCount()];
    prototype.getParameters(reset);
    TrainableFloatNetwork net = prototype.copy();
    float[] a = new float[reset.length];
    try (ParallelFloatTrainer t = ParallelTrainer.of(net, LossReduction.MEAN, 2)) {
      t.trainBatch(xs, ts, 10);
      net.setParameters(reset);
      net.resetOptimizer();
      t.sync();
      t.trainBatch(xs, ts, 10);
      t.trainBatch(xs, ts, 10);
    }
    net.getParameters(a);
    TrainableFloatNetwork fresh = prototype.copy();
    float[] b = new float[reset.length];
    try (ParallelFloatTrainer t = ParallelTrainer.of(fresh, LossReduction.MEAN, 2)) {
      t.trainBatch(xs, ts, 10);
      t.trainBatch(xs, ts, 10);
    }
    fresh.getParameters(b);
    assertArrayEquals(b, a);
  }

  @Test
  void closeStopsTheWorkersAndRejectsMoreSteps() {
    ParallelFloatTrainer t = ParallelTrainer.of(prototype.copy(), LossReduction.MEAN, 3);
    assertEquals(2, workers());
    t.close();
    t.close();
    assertEquals(0, workers());
    assertThrows(IllegalStateException.class, () -> t.trainBatch(new float[12], new float[1], 1));
    assertThrows(IllegalArgumentException.class,
        () -> ParallelTrainer.of(prototype.copy(), LossReduction.MEAN, 0));
  }

  private static long workers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(th -> th.getName().startsWith("netc-trainer-") && th.isAlive()).count();
  }

  @Test
  void stepsAllocateNothingOnAnyThread() {
    com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean)
        java.lang.management.ManagementFactory.getThreadMXBean();
    float[][] data = classData();
    // Rows that each thread copies for itself, from a reused callback (as netc train's).
    ParallelFloatTrainer.Rows rows = (from, size, xs, ts) -> {
      System.arraycopy(data[0], from * 12, xs, 0, size * 12);
      System.arraycopy(data[1], from, ts, 0, size);
    };
    try (ParallelFloatTrainer t = ParallelTrainer.of(prototype.copy(), LossReduction.MEAN, 3)) {
      long[] ids = Thread.getAllStackTraces().keySet().stream()
          .filter(th -> th.getName().startsWith("netc-trainer-") || th == Thread.currentThread())
          .mapToLong(Thread::getId).toArray();
      assertEquals(3, ids.length);
      // The least of three windows: the JVM may allocate once in a while (JIT, class loading).
      long least = Long.MAX_VALUE;
      for (int window = 0; window < 4; window++) {
        long before = allocated(bean, ids);
        for (int step = 0; step < 200; step++) {
          t.trainBatch(data[0], data[1], 10 + step % 3);
          t.trainBatch(rows, 10 + step % 3);
        }
        long after = allocated(bean, ids);
        if (window > 0) {
          least = Math.min(least, after - before);
        }
      }
      assertEquals(0, least, "bytes allocated in 200 steps");
    }
  }

  /** Sum over threads, read one at a time (the array-returning call allocates the array). */
  private static long allocated(com.sun.management.ThreadMXBean bean, long[] ids) {
    long sum = 0;
    for (long id : ids) {
      sum += bean.getThreadAllocatedBytes(id);
    }
    return sum;
  }

  @Test
  void doubleInterfaceRoundTripsThroughTheTrainer() {
    TrainableDoubleNetwork net = new Interpreter(network(doubleNet("mse", "identity",
        "sgd(lr = 0.1)")));
    try (ParallelDoubleTrainer t = ParallelTrainer.of(net, LossReduction.MEAN, 2)) {
      assertEquals(2, t.threads());
      assertEquals(LossReduction.MEAN, t.reduction());
      assertTrue(t.master() == net);
    }
  }
}
