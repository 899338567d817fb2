package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.Alignment;
import dev.netc.runtime.TrainableDoubleNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code predict} of a vector class runs over 64-byte aligned copies of its large dense weights
 * once they are current ({@link AlignedWeights}). The copies must never be stale and must not
 * change a bit: a class is driven through every public method that writes weights (both
 * {@code trainStep} and both {@code trainBatch} forms, {@code optimizerStep}, {@code
 * setParameters}) and through garbage collections that may move the copies, and after each its
 * predictions, before and after the copies are refreshed, must equal bit for bit those of a twin
 * that is only ever asked once after each write (so it always runs the plain kernels). The
 * copies must also really be in use and really aligned.
 */
class AlignedPredictTest {

  private static final String MLP = """
      network AlignedMlp {
        input 64
        dense 256 relu
        dense 128 tanh
        dense 5 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.05, momentum = 0.9)
        init he(seed = 3)
        precision float
      }
      """;

  private static final String DOUBLE_MLP = """
      network AlignedDouble {
        input 32
        dense 256 tanh
        dense 3 softmax
        loss cross_entropy
        optimizer adam(lr = 0.01)
        init xavier(seed = 4)
        precision double
      }
      """;

  /** A 2048 → 16 dense layer (128 KB) after a convolution (also {@link AlignedTrainingTest}'s). */
  static final String CNN = """
      network AlignedCnn {
        input 1x16x16
        conv2d 8 3x3 (padding = same) relu
        dense 16 relu
        dense 4 softmax
        loss cross_entropy
        optimizer sgd(lr = 0.02, momentum = 0.9)
        init he(seed = 6)
        precision float
      }
      """;

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "wide", "cnn"})
  void predictOverAlignedCopiesIsNeverStaleAndChangesNoBit(String which) throws Exception {
    String source = switch (which) {
      case "mlp" -> MLP;
      case "wide" -> DOUBLE_MLP;
      default -> CNN;
    };
    Network net = Frontend.compile(which + ".net", source).networks().get(0);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    List<Generated> pair =
        Generated.compile(List.of(net, net.withName("Twin")), "gen.aligned." + which, policy);
    Net a = new Net(pair.get(0));
    Net b = new Net(pair.get(1));
    assertNotNull(a.field("alignedWeightsReady", true),
        "the test network must have aligned copies");
    // The MLPs' layers predict by columns, the CNN's dense layer by rows (it trains over them).
    boolean columns = !which.equals("cnn");
    assertEquals(columns, a.hasCopiesByColumns(), which);
    Random rnd = new Random(21);
    int in = net.inputSize();
    int classes = net.outputSize();
    int p = net.parameterCount();
    String[] writes = {"none", "trainStep", "trainBatch", "trainStepLabel", "trainBatchLabels",
        "optimizerStep", "gc", "setParameters", "trainBatch", "gc", "trainStepLabel"};
    for (String write : writes) {
      double[] xs = random(rnd, 6 * in, 1);
      double[] labels = new double[6];
      int[] ints = new int[6];
      for (int i = 0; i < 6; i++) {
        ints[i] = rnd.nextInt(classes);
        labels[i] = ints[i];
      }
      double[] g = random(rnd, p, 0.01);
      double[] params = random(rnd, p, 0.1);
      for (Net n : List.of(a, b)) {
        switch (write) {
          case "none" -> { }
          case "trainStep" -> n.trainStep(java.util.Arrays.copyOf(xs, in), labels[0]);
          case "trainBatch" -> n.generated().trainBatch(xs, labels, 6);
          case "trainStepLabel" -> n.trainStepLabel(java.util.Arrays.copyOf(xs, in), ints[0]);
          case "trainBatchLabels" -> n.trainBatchLabels(xs, ints, 6);
          case "optimizerStep" -> n.optimizerStep(g);
          case "setParameters" -> n.generated().setParameters(params);
          case "gc" -> {
            for (int k = 0; k < 3; k++) {
              System.gc();
            }
          }
          default -> throw new AssertionError(write);
        }
      }
      double[] x = random(rnd, in, 1);
      double[] want = b.predict(x, classes);
      // Past the refresh: the first predicts run the plain kernels, the later the copies. Copies
      // by rows keep every bit; by columns (ColumnPredict) each sum's order differs, within the
      // vector kernels' tolerance (ColumnPredictTest checks their bits).
      int before = columns ? AlignedWeights.PREDICTS_BEFORE_COLUMNS
          : AlignedWeights.PREDICTS_BEFORE_COPY;
      double tolerance = net.precision() == Precision.FLOAT ? 1e-5 : 1e-12;
      // A collection writes no weight: copies current before it stay so.
      boolean current = Boolean.TRUE.equals(a.field("alignedCurrent", false));
      for (int k = 0; k < before + 4; k++) {
        double[] got = a.predict(x, classes);
        for (int o = 0; o < classes; o++) {
          String what = "after " + write + ", predict " + k + ", output " + o + ": " + got[o]
              + " against " + want[o];
          // The before-th predict in a row refreshes the copies and runs over them.
          if (!current && k + 1 < before || !columns) {
            assertEquals(Double.doubleToRawLongBits(want[o]), Double.doubleToRawLongBits(got[o]),
                what);
          } else {
            assertEquals(want[o], got[o], tolerance * (1 + Math.abs(want[o])), what);
          }
        }
      }
      assertEquals(Boolean.TRUE, a.field("alignedCurrent", false), "after " + write);
      if (Alignment.available()) {
        // A collection between the predict (which re-aligns) and the check may move a copy:
        // the check counts only after a predict that no collection followed.
        boolean checked = false;
        for (int k = 0; k < 5 && !checked; k++) {
          long collections = collections();
          a.predict(x, classes);
          String off = a.copyOffItsLine(net.precision());
          if (collections() == collections) {
            assertEquals(null, off, "after " + write);
            checked = true;
          }
        }
        assertTrue(checked, "after " + write + ": a collection after every predict");
      }
    }
  }

  /** Collections so far, of every collector. */
  static long collections() {
    return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionCount).sum();
  }

  private static double[] random(Random rnd, int n, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = (rnd.nextDouble() * 2 - 1) * scale;
    }
    return v;
  }

  /**
   * One generated class, in doubles: {@link Generated} where it has the call, else the float or
   * double interface, or the label overloads by reflection.
   */
  record Net(Generated generated) {
    Object instance() {
      return generated.instance();
    }

    boolean isFloat() {
      return instance() instanceof TrainableFloatNetwork;
    }

    double[] predict(double[] x, int outputs) {
      if (isFloat()) {
        float[] out = new float[outputs];
        ((TrainableFloatNetwork) instance()).predict(Generated.narrow(x), out);
        return Generated.widen(out);
      }
      double[] out = new double[outputs];
      ((TrainableDoubleNetwork) instance()).predict(x, out);
      return out;
    }

    void trainStep(double[] x, double label) {
      call("trainStep", x, new double[] {label});
    }

    void trainStepLabel(double[] x, int label) {
      call("trainStep", x, label);
    }

    /** {@code trainBatch(xs, labels, n)}; returns its loss. */
    double trainBatchLabels(double[] xs, int[] labels, int n) {
      return ((Number) call("trainBatch", xs, labels, n)).doubleValue();
    }

    void optimizerStep(double[] g) {
      call("optimizerStep", g);
    }

    /**
     * Calls the public method {@code name} with {@code args}, double arrays narrowed for a float
     * class; ints and int arrays passed as they are; returns what it returns.
     */
    private Object call(String name, Object... args) {
      Class<?> array = isFloat() ? float[].class : double[].class;
      Class<?>[] types = new Class<?>[args.length];
      Object[] values = new Object[args.length];
      for (int k = 0; k < args.length; k++) {
        Object v = args[k];
        types[k] = v instanceof double[] ? array : v instanceof int[] ? int[].class : int.class;
        values[k] = v instanceof double[] d && isFloat() ? Generated.narrow(d) : v;
      }
      try {
        return instance().getClass().getMethod(name, types).invoke(instance(), values);
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }

    /** The value of field {@code name}, or with {@code method} whether that method exists. */
    Object field(String name, boolean method) throws IllegalAccessException {
      if (method) {
        for (java.lang.reflect.Method m : instance().getClass().getDeclaredMethods()) {
          if (m.getName().equals(name)) {
            return m;
          }
        }
        return null;
      }
      Field f;
      try {
        f = instance().getClass().getDeclaredField(name);
      } catch (NoSuchFieldException e) {
        throw new AssertionError(e);
      }
      f.setAccessible(true);
      return f.get(instance());
    }

    /**
     * Null if each copy's rows start where its array now meets a 64-byte line, else what is
     * off.
     */
    /** True if some layer's copy holds its weights by columns ({@link ColumnPredict}). */
    boolean hasCopiesByColumns() {
      for (Field f : instance().getClass().getDeclaredFields()) {
        if (f.getName().endsWith("WeightColumns")) {
          return true;
        }
      }
      return false;
    }

    String copyOffItsLine(Precision precision) throws IllegalAccessException {
      int copies = 0;
      for (Field f : instance().getClass().getDeclaredFields()) {
        if (!f.getName().endsWith("WeightAligned") && !f.getName().endsWith("WeightColumns")) {
          continue;
        }
        f.setAccessible(true);
        Object copy = f.get(instance());
        assertNotNull(copy, f.getName());
        int start = (int) field(f.getName() + "Start", false);
        int now = precision == Precision.FLOAT
            ? Alignment.floatStart((float[]) copy, new Object[1])
            : Alignment.doubleStart((double[]) copy, new Object[1]);
        if (now != start) {
          return f.getName() + " starts at " + start + ", its line at " + now;
        }
        copies++;
      }
      assertTrue(copies > 0, "no aligned copies");
      return null;
    }
  }
}
