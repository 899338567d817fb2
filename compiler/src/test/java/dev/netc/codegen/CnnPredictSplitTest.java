package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Activation;
import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.ir.WeightInit;
import dev.netc.ir.Window;
import dev.netc.runtime.Init;
import dev.netc.runtime.StepTeam;
import dev.netc.testing.Draws;
import dev.netc.testing.RandomNetworks;
import dev.netc.testing.RandomNetworks.LossKind;
import dev.netc.testing.RandomNetworks.OptimizerKind;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A CNN class's {@code predict} of one image over a {@link StepTeam} ({@link PredictSplit}: its
 * large convolutions by output channels, its large dense layers by rows) against the same class
 * predicting on one thread: the same bits, for random CNNs large enough to split (1–3 input
 * channels, 12–28 pixels a side, 1–2 convolutions of 6–32 channels, kernels 1–5, stride 1 or 2,
 * padding 0–2 or {@code same}, relu, identity or tanh, a max or average pool (2x2 by 2, 3x3 by 2 or 3, 2x2 by 1) or none, then 1–2
 * dense layers; both precisions), each kernel plan and both register tiles, teams of 2 and 3
 * threads and a rehearsal of 4 parts; before and after predict's aligned copies, and after
 * training steps changed the weights. A part that computed a channel another part also
 * computes, or missed one, shows as a difference; a closed team then fails predict, so that it
 * did run over the team.
 */
class CnnPredictSplitTest {
  /** Fixed so that CI is reproducible; {@code -Dnetc.cnnsplit.seed=BASE} draws other networks. */
  private static final long DEFAULT_BASE = 20261207L;
  private static final long BASE = Long.getLong("netc.cnnsplit.seed", DEFAULT_BASE);
  private static final RandomNetworks HEADS = new RandomNetworks(1, 2, 1, 40,
      List.of(Precision.FLOAT, Precision.DOUBLE),
      List.of(LossKind.MSE, LossKind.BCE, LossKind.CROSS_ENTROPY),
      List.of(OptimizerKind.SGD, OptimizerKind.ADAM));
  private static final int[] CHANNELS = {6, 8, 12, 16, 24, 32, 16, 32};

  @ParameterizedTest
  @EnumSource(value = KernelPlan.Shape.class, names = {"V256", "V512"})
  void predictOverATeamIsTheSameBitsAsOneThread(KernelPlan.Shape shape) throws Exception {
    int split = 0;
    int i = 0;
    for (CodegenPolicy.RegisterTiles tiles : List.of(CodegenPolicy.RegisterTiles.WIDE,
        CodegenPolicy.RegisterTiles.NARROW, CodegenPolicy.RegisterTiles.AUTO)) {
      CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)
          .withPlan(KernelPlan.of(shape)).withRegisterTiles(tiles);
      long seed = BASE + 1000L * shape.ordinal() + 100L * i++;
      List<Network> nets = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        nets.add(cnn(new Random(seed + k), "CnnSplit" + k));
      }
      List<Network> pairs = new ArrayList<>();
      for (Network net : nets) {
        pairs.add(net);
        pairs.add(net.withName(net.name() + "Twin"));
      }
      List<Generated> classes = Generated.compile(pairs, "gen.cnnsplit", policy);
      for (int k = 0; k < nets.size(); k++) {
        Generated g = classes.get(2 * k);
        boolean splits = Arrays.stream(g.instance().getClass().getDeclaredMethods())
            .map(Method::getName).anyMatch(n -> n.endsWith("Channels"));
        split += splits ? 1 : 0;
        compare(nets.get(k), policy, g, classes.get(2 * k + 1), new Random(seed + 7 * k));
      }
    }
    // Most draws are large enough to split somewhere (a convolution by channels).
    Draws.covered(BASE, DEFAULT_BASE, split >= 6,
        "only " + split + " of 12 classes split a convolution");
  }

  /**
   * The bundled CNNs: the Fashion CNN's stages (each convolution's parts run the max pool after
   * it, the first's also make the second's bordered input), LeNet-5's second convolution (its
   * first has 6 channels, too few to part).
   */
  @Test
  void theExampleCnnsPredictOverATeamLikeOneThread() throws Exception {
    for (String file : List.of("fashion-cnn.net", "lenet5.net")) {
      Network net = dev.netc.Frontend.compile(file, Files.readString(Path.of("..", "examples",
          file))).networks().get(0);
      CodegenPolicy policy = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
      List<Generated> pair = Generated.compile(List.of(net, net.withName(net.name() + "Twin")),
          "gen.cnnsplit.example", policy);
      Class<?> type = pair.get(0).instance().getClass();
      List<String> parts = file.equals("fashion-cnn.net")
          ? List.of("predictConv1Channels", "predictMaxpool1Channels", "predictConv2Border",
              "predictConv2Channels", "predictMaxpool2Channels")
          : List.of("predictConv2Channels", "predictMaxpool2Channels");
      for (String method : parts) {
        assertTrue(Arrays.stream(type.getDeclaredMethods())
            .anyMatch(m -> m.getName().equals(method)), file + ": no " + method);
      }
      compare(net, policy, pair.get(0), pair.get(1), new Random(11));
    }
  }

  /**
   * Predicts with {@code split} over a team and {@code alone} on this thread: many images,
   * then training steps on both (which write the weights: the aligned copies are made again),
   * then more images; then predict over a closed team must fail.
   */
  private static void compare(Network net, CodegenPolicy policy, Generated split,
      Generated alone, Random rnd) {
    int threads = 2 + rnd.nextInt(3);
    String what = net + " under " + policy + ", " + threads
        + (threads == 4 ? " parts" : " threads");
    int outputs = net.outputSize();
    // A class none of whose layers split has no team to take.
    boolean teamed = Arrays.stream(split.instance().getClass().getDeclaredMethods())
        .anyMatch(m -> m.getName().equals("predictPart"));
    StepTeam team = threads == 4 ? StepTeam.rehearsal(threads) : StepTeam.of(threads);
    try (team) {
      assertEquals(teamed, useTeam(split.instance(), team), what);
      for (int round = 0; round < 2; round++) {
        for (int k = 0; k < AlignedWeights.PREDICTS_BEFORE_COLUMNS + 4; k++) {
          double[] x = RandomNetworks.inputs(rnd, net, 1);
          assertTrue(Arrays.equals(alone.predict(x, outputs), split.predict(x, outputs)),
              what + ": round " + round + ", prediction " + k + " differs");
        }
        int n = 1 + rnd.nextInt(4);
        double[] xs = RandomNetworks.inputs(rnd, net, n);
        double[] ts = RandomNetworks.targets(rnd, net, n);
        split.trainBatch(xs, ts, n);
        alone.trainBatch(xs, ts, n);
        assertTrue(Arrays.equals(alone.parameters(), split.parameters()), what);
      }
    }
    if (teamed && threads != 4) {
      double[] x = RandomNetworks.inputs(rnd, net, 1);
      assertThrows(IllegalStateException.class, () -> split.predict(x, outputs),
          what + ": predict did not run over the team");
    }
    // Detached, it predicts on the calling thread again.
    assertEquals(teamed, useTeam(split.instance(), null), what);
    double[] x = RandomNetworks.inputs(rnd, net, 1);
    assertTrue(Arrays.equals(alone.predict(x, outputs), split.predict(x, outputs)), what);
  }

  /** useStepTeam; a CNN class splits its predictions, never its steps. */
  private static boolean useTeam(Object net, StepTeam team) {
    return Generated.useStepTeam(net, team, false);
  }

  /**
   * A random CNN (see the class doc) with a convolution of enough work to split; it does
   * where its channels fill two parts and it activates in its kernels.
   */
  private static Network cnn(Random rnd, String name) {
    while (true) {
      Shape.Image input = new Shape.Image(1 + rnd.nextInt(3), 12 + rnd.nextInt(17),
          12 + rnd.nextInt(17));
      Shape.Image shape = input;
      List<Layer> layers = new ArrayList<>();
      boolean fits = true;
      int convs = 1 + rnd.nextInt(2);
      for (int c = 1; c <= convs && fits; c++) {
        int k = rnd.nextInt(8) == 0 ? 1 : 2 + rnd.nextInt(4);
        Window w;
        if (k % 2 == 1 && rnd.nextBoolean()) {
          w = new Window(k, k, 1, 1, (k - 1) / 2, (k - 1) / 2); // padding = same
        } else {
          int stride = rnd.nextInt(6) == 0 ? 2 : 1;
          int pad = rnd.nextInt(3);
          w = new Window(k, k, stride, stride, pad, pad);
        }
        fits = w.fits(shape);
        if (!fits) {
          break;
        }
        int pick = rnd.nextInt(6);
        Activation act = pick < 4 ? new Activation.Relu()
            : pick == 4 ? new Activation.Identity() : new Activation.Tanh();
        Conv2d conv = new Conv2d("conv" + c, layers.size(), shape,
            CHANNELS[rnd.nextInt(CHANNELS.length)], w, act, new WeightInit(Init.Scheme.HE, 0));
        layers.add(conv);
        shape = conv.outputShape();
        int poolKind = rnd.nextInt(3);
        // 2x2 windows by 2 (the vector pool kernel's), else the scalar loops': 3x3 by 2 or 3,
        // or 2x2 by 1 (overlapping).
        int window = rnd.nextInt(4);
        Window pw = window < 2 ? Window.unpadded(2, 2, 2, 2)
            : window == 2 ? Window.unpadded(3, 3, 2 + rnd.nextInt(2), 2 + rnd.nextInt(2))
            : Window.unpadded(2, 2, 1, 1);
        if (poolKind > 0 && pw.fits(shape)) {
          Layer pool = poolKind == 1 ? new MaxPool2d("maxpool" + c, layers.size(), shape, pw)
              : new AvgPool2d("avgpool" + c, layers.size(), shape, pw);
          layers.add(pool);
          shape = (Shape.Image) pool.outputShape();
        }
      }
      boolean large = layers.stream().anyMatch(l -> l instanceof Conv2d c
          && (long) c.outSize() * c.kernelSize() >= PredictSplit.MIN_CONV_MULTIPLY_ADDS);
      if (!fits || !large) {
        continue;
      }
      return RandomNetworks.withDenseHead(name, input, layers, shape.size(),
          HEADS.network(rnd, name));
    }
  }
}
