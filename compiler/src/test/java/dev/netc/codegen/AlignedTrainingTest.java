package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netc.Frontend;
import dev.netc.ir.Network;
import dev.netc.runtime.Alignment;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A class that trains example by example (a CNN's) runs the forward pass and back-propagation
 * of its large dense layers over 64-byte aligned copies of their weights in every batch of at
 * least {@link AlignedWeights#MIN_TRAINING_EXAMPLES} examples. That must change no bit: the same
 * training (batches above and below the threshold, both target forms, {@code gradient}, a single
 * step, collections between them) runs here, with the copies, and in a child JVM with {@code
 * -Dnetc.alignment=off}, where the class never makes them; the losses and the parameters must be
 * equal bit for bit. Here the copies must also really be used and really be aligned. The float
 * network is {@link AlignedPredictTest#CNN} (back-propagation by register tiles).
 */
class AlignedTrainingTest {

  /**
   * A 2048 → 32 layer (512 KB of doubles: back-propagation row by row, the zero deltas skipped)
   * and a 32 → 256 layer (64 KB) after it, whose copy back-propagates through the tiles.
   */
  private static final String DOUBLE_CNN = """
      network AlignedTrainDouble {
        input 1x16x16
        conv2d 8 3x3 (padding = same) relu
        dense 32 tanh
        dense 256 relu
        dense 3 softmax
        loss cross_entropy
        optimizer adam(lr = 0.01)
        init xavier(seed = 4)
        precision double
      }
      """;

  @ParameterizedTest
  @ValueSource(strings = {"float", "double"})
  void trainingOverAlignedCopiesChangesNoBit(String which) throws Exception {
    assumeTrue(Alignment.available(), "this JVM gives no addresses: there are no copies");
    String here = run(which, true);
    String launcher = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(launcher, "--add-modules", "jdk.incubator.vector",
        "-D" + Alignment.PROPERTY + "=off", "-cp", System.getProperty("java.class.path"),
        Child.class.getName(), which).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    String child = out.lines().filter(l -> l.startsWith("digest ")).findFirst()
        .orElseThrow(() -> new AssertionError("no digest from the child JVM: " + out));
    assertEquals(here, child.substring("digest ".length()),
        "the same training with and without aligned copies");
  }

  /** Runs the training in a JVM without addresses (no copies) and prints its digest. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      System.out.println("digest " + run(args[0], false));
    }
  }

  /**
   * Trains a fresh class of network {@code which}; returns the bits of every loss, of the
   * predictions and gradients taken between the batches, and of the final parameters. With {@code copies}, checks after each long batch that the copies were
   * made and lie on a line; without, that there are none.
   */
  static String run(String which, boolean copies) throws Exception {
    Network net = Frontend.compile(which + ".net",
        which.equals("float") ? AlignedPredictTest.CNN : DOUBLE_CNN)
        .networks().get(0);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    Generated g = Generated.compile(List.of(net), "gen.alignedtrain." + net.name().toLowerCase(
        java.util.Locale.ROOT), policy).get(0);
    Object instance = g.instance();
    AlignedPredictTest.Net calls = new AlignedPredictTest.Net(g);
    boolean floats = which.equals("float");
    Random rnd = new Random(33);
    int in = net.inputSize();
    int classes = net.outputSize();
    StringBuilder digest = new StringBuilder();
    // Batch sizes on either side of the threshold; every fourth with the int-label overload.
    int[] sizes = {16, 5, 32, AlignedWeights.MIN_TRAINING_EXAMPLES - 1, 20, 40, 1, 17};
    for (int step = 0; step < sizes.length; step++) {
      int n = sizes[step];
      double[] xs = new double[n * in];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = rnd.nextDouble();
      }
      int[] labels = new int[n];
      double[] targets = new double[n];
      for (int i = 0; i < n; i++) {
        labels[i] = rnd.nextInt(classes);
        targets[i] = labels[i];
      }
      long collections = AlignedPredictTest.collections();
      double loss = step % 4 == 3 ? calls.trainBatchLabels(xs, labels, n)
          : g.trainBatch(xs, targets, n);
      digest.append(Long.toHexString(Double.doubleToRawLongBits(loss))).append(' ');
      if (step == 1 || step == 5) {
        // Enough predicts in a row that predict refreshes the copies too (alignedCurrent).
        double[] x = java.util.Arrays.copyOf(xs, in);
        for (int k = 0; k < AlignedWeights.PREDICTS_BEFORE_COPY + 2; k++) {
          digest.append(bits(calls.predict(x, classes))).append(' ');
        }
      }
      if (step == 2 || step == 6) {
        double[] grad = new double[net.parameterCount()];
        double gl = g.gradient(xs, targets, n, grad);
        digest.append(Long.toHexString(Double.doubleToRawLongBits(gl))).append(' ')
            .append(bits(grad)).append(' ');
      }
      if (n >= AlignedWeights.MIN_TRAINING_EXAMPLES) {
        checkCopies(calls, net, copies, collections == AlignedPredictTest.collections());
      }
      if (step % 3 == 1) {
        for (int k = 0; k < 2; k++) {
          System.gc();
        }
      }
    }
    if (copies) {
      assertDriversReadTheCopies(instance, floats, in);
    }
    return digest.append(bits(g.parameters())).toString();
  }

  /**
   * The training drivers over the copies really read them: with every copy set to NaN, an example
   * run as part of a long batch ({@code trainExample(..., true)}) makes a delta NaN, and {@code
   * alignedForward} a covered layer's z, where plain passes left them all finite.
   */
  private static void assertDriversReadTheCopies(Object instance, boolean floats, int in)
      throws Exception {
    Class<?> type = instance.getClass();
    Class<?> array = floats ? float[].class : double[].class;
    Object x = java.lang.reflect.Array.newInstance(array.getComponentType(), in);
    for (int i = 0; i < in; i++) {
      java.lang.reflect.Array.set(x, i, floats ? (Object) 0.5f : (Object) 0.5);
    }
    java.lang.reflect.Method example = type.getDeclaredMethod("trainExample", array, int.class,
        int.class, boolean.class);
    example.setAccessible(true);
    double plain = ((Number) example.invoke(instance, x, 0, 1, false)).doubleValue();
    assertTrue(Double.isFinite(plain), "plain example loss " + plain);
    List<Field> deltas = new java.util.ArrayList<>();
    for (Field f : type.getDeclaredFields()) {
      if (f.getName().endsWith("Delta") && f.getType() == array) {
        f.setAccessible(true);
        deltas.add(f);
      }
    }
    for (Field f : deltas) {
      assertTrue(!hasNaN(f.get(instance)), f.getName() + " NaN after the plain pass");
    }
    for (Field f : type.getDeclaredFields()) {
      if (f.getName().endsWith("WeightAligned")) {
        f.setAccessible(true);
        Object copy = f.get(instance);
        if (copy instanceof float[] fs) {
          java.util.Arrays.fill(fs, Float.NaN);
        } else {
          java.util.Arrays.fill((double[]) copy, Double.NaN);
        }
      }
    }
    // An example told that its batch runs over the copies runs the drivers over them.
    example.invoke(instance, x, 0, 1, true);
    assertTrue(deltas.stream().anyMatch(f -> hasNaN(fieldValue(f, instance))),
        "trainExample(..., true) did not back-propagate over the copies");
    // Each layer's z (a relu after a covered layer turns NaN into 0, so not the outputs).
    List<Field> zs = java.util.Arrays.stream(type.getDeclaredFields())
        .filter(f -> f.getName().endsWith("Z") && f.getType() == array).toList();
    java.lang.reflect.Method plainForward = type.getDeclaredMethod("forward", array, int.class);
    plainForward.setAccessible(true);
    plainForward.invoke(instance, x, 0);
    for (Field f : zs) {
      assertTrue(!hasNaN(fieldValue(f, instance)), f.getName() + " NaN after a plain forward");
    }
    java.lang.reflect.Method forward = type.getDeclaredMethod("alignedForward", array,
        int.class);
    forward.setAccessible(true);
    forward.invoke(instance, x, 0);
    assertTrue(zs.stream().anyMatch(f -> hasNaN(fieldValue(f, instance))),
        "alignedForward did not read the copies");
  }

  private static Object fieldValue(Field f, Object instance) {
    try {
      f.setAccessible(true);
      return f.get(instance);
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean hasNaN(Object array) {
    int n = java.lang.reflect.Array.getLength(array);
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(((Number) java.lang.reflect.Array.get(array, i)).doubleValue())) {
        return true;
      }
    }
    return false;
  }

  /** A hash of the bits of {@code v}, in hex. */
  private static String bits(double[] v) {
    long h = 1;
    for (double d : v) {
      h = 31 * h + Double.doubleToRawLongBits(d);
    }
    return Long.toHexString(h);
  }

  /**
   * With {@code copies}: every copy made and, if no collection ran since it was ({@code
   * unmoved}), on its line ({@link AlignedPredictTest.Net#copyOffItsLine}, which also fails for
   * a copy not made); without: none made.
   */
  private static void checkCopies(AlignedPredictTest.Net calls, Network net, boolean copies,
      boolean unmoved) throws Exception {
    if (copies) {
      String off = calls.copyOffItsLine(net.precision());
      if (unmoved) {
        assertNull(off);
      }
      return;
    }
    int seen = 0;
    for (Field f : calls.instance().getClass().getDeclaredFields()) {
      if (f.getName().endsWith("WeightAligned")) {
        seen++;
        assertNull(fieldValue(f, calls.instance()), f.getName() + " made without addresses");
      }
    }
    assertTrue(seen > 0, "the test network must have aligned copies");
  }
}
