package dev.netc.testing;

import dev.netc.ir.Activation;
import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Flatten;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.ir.WeightInit;
import dev.netc.ir.Window;
import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Random but legal IR networks, built directly from the records (no parser), for tests that
 * compare implementations on many shapes: the interpreter's gradient check, and the code
 * generator's agreement with the interpreter. Everything is drawn from a caller-provided
 * {@link Random} so that one seed replays one case.
 *
 * @param minDepth fewest layers (at least 1)
 * @param maxDepth most layers
 * @param minWidth smallest input or layer width (at least 1)
 * @param maxWidth largest input or layer width
 * @param precisions the precisions to choose from
 * @param kinds the output/loss pairs to choose from
 * @param optimizers the optimizer families to choose from
 */
public record RandomNetworks(
    int minDepth,
    int maxDepth,
    int minWidth,
    int maxWidth,
    List<Precision> precisions,
    List<LossKind> kinds,
    List<OptimizerKind> optimizers) {

  /** Which loss a network gets, and therefore which output activations are legal. */
  public enum LossKind {
    /** mse with any elementwise output activation. */
    MSE,
    /** binary_cross_entropy with a sigmoid output. */
    BCE,
    /** cross_entropy with a softmax output. */
    CROSS_ENTROPY,
    /** No loss (inference only); any output activation, softmax included. */
    NONE
  }

  /** Which optimizer family a network gets; hyperparameters are drawn at random. */
  public enum OptimizerKind {
    /** torch.optim.SGD with random momentum, nesterov and weight decay. */
    SGD,
    /** torch.optim.Adam with random betas, eps and weight decay. */
    ADAM
  }

  /** Every elementwise activation, with parameters where it takes any. */
  public static final List<String> ELEMENTWISE =
      List.of("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus");

  /** Validates the ranges. */
  public RandomNetworks {
    if (minDepth < 1 || maxDepth < minDepth || minWidth < 1 || maxWidth < minWidth) {
      throw new IllegalArgumentException("bad ranges");
    }
    precisions = List.copyOf(precisions);
    kinds = List.copyOf(kinds);
    optimizers = List.copyOf(optimizers);
    if (precisions.isEmpty() || kinds.isEmpty() || optimizers.isEmpty()) {
      throw new IllegalArgumentException("empty choice");
    }
  }

  /** Depth 1–5, widths 1–40, double precision, every trainable loss, both optimizers. */
  public static RandomNetworks defaults() {
    return new RandomNetworks(1, 5, 1, 40, List.of(Precision.DOUBLE),
        List.of(LossKind.MSE, LossKind.BCE, LossKind.CROSS_ENTROPY),
        List.of(OptimizerKind.SGD, OptimizerKind.ADAM));
  }

  /** The same generator with other depth bounds. */
  public RandomNetworks withDepth(int min, int max) {
    return new RandomNetworks(min, max, minWidth, maxWidth, precisions, kinds, optimizers);
  }

  /** The same generator with other width bounds. */
  public RandomNetworks withWidth(int min, int max) {
    return new RandomNetworks(minDepth, maxDepth, min, max, precisions, kinds, optimizers);
  }

  /** The same generator choosing among {@code ps}. */
  public RandomNetworks withPrecisions(Precision... ps) {
    return new RandomNetworks(minDepth, maxDepth, minWidth, maxWidth, List.of(ps), kinds,
        optimizers);
  }

  /** The same generator choosing among {@code ks}. */
  public RandomNetworks withLosses(LossKind... ks) {
    return new RandomNetworks(minDepth, maxDepth, minWidth, maxWidth, precisions, List.of(ks),
        optimizers);
  }

  /** The same generator choosing among {@code os}. */
  public RandomNetworks withOptimizers(OptimizerKind... os) {
    return new RandomNetworks(minDepth, maxDepth, minWidth, maxWidth, precisions, kinds,
        List.of(os));
  }

  /** A random legal network named {@code name}. */
  public Network network(Random rnd, String name) {
    int depth = between(rnd, minDepth, maxDepth);
    LossKind kind = pick(rnd, kinds);
    int in = between(rnd, minWidth, maxWidth);
    int inputSize = in;
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      boolean output = i == depth - 1;
      int out = between(rnd, minWidth, maxWidth);
      Activation act;
      if (!output) {
        act = activation(rnd, pick(rnd, ELEMENTWISE));
      } else {
        act = switch (kind) {
          case MSE -> activation(rnd, pick(rnd, ELEMENTWISE));
          case BCE -> new Activation.Sigmoid();
          case CROSS_ENTROPY -> new Activation.Softmax();
          case NONE -> rnd.nextInt(8) == 0
              ? new Activation.Softmax() : activation(rnd, pick(rnd, ELEMENTWISE));
        };
        if (kind == LossKind.CROSS_ENTROPY && out < 2) {
          out = 2; // a single class is a degenerate classifier: its loss is identically zero
        }
      }
      layers.add(new Dense("dense" + (i + 1), i, in, out, act, init(rnd)));
      in = out;
    }
    LossReduction reduction = rnd.nextBoolean() ? LossReduction.MEAN : LossReduction.SUM;
    Optional<Loss> loss = switch (kind) {
      case MSE -> Optional.of(new Loss.Mse(reduction));
      case BCE -> Optional.of(new Loss.BinaryCrossEntropy(reduction));
      case CROSS_ENTROPY -> Optional.of(new Loss.CrossEntropy(reduction));
      case NONE -> Optional.empty();
    };
    return new Network(name, name + ".net", inputSize, layers, loss,
        optimizer(rnd, pick(rnd, optimizers)), rnd.nextLong(), pick(rnd, precisions));
  }

  /**
   * A random legal CNN named {@code name}: an image input, 1–3 conv2d layers (1–16 channels,
   * kernels 1–5 along each axis, strides 1–3, padding 0–2 or {@code same}), each possibly followed
   * by a max or average pool, sometimes an explicit flatten, then 1–2 dense layers whose output
   * activation fits the loss. Networks whose forward pass costs more than {@code maxWork}
   * multiply-adds per example are drawn again, so that a test's run time stays bounded.
   */
  public Network cnn(Random rnd, String name, long maxWork) {
    while (true) {
      Optional<Network> n = tryCnn(rnd, name);
      if (n.isPresent() && work(n.get()) <= maxWork) {
        return n.get();
      }
    }
  }

  /** One draw of {@link #cnn}; empty if a window did not fit its input. */
  private Optional<Network> tryCnn(Random rnd, String name) {
    Shape.Image input = new Shape.Image(between(rnd, 1, 4), between(rnd, 1, 12),
        between(rnd, 1, 12));
    Shape.Image shape = input;
    List<Layer> layers = new ArrayList<>();
    int convs = between(rnd, 1, 3);
    for (int c = 1; c <= convs; c++) {
      int kh = between(rnd, 1, 5);
      int kw = rnd.nextInt(3) == 0 ? between(rnd, 1, 5) : kh;
      Window w;
      if (kh % 2 == 1 && kw % 2 == 1 && rnd.nextInt(4) == 0) {
        w = new Window(kh, kw, 1, 1, (kh - 1) / 2, (kw - 1) / 2); // padding = same
      } else {
        int stride = between(rnd, 1, 3);
        int pad = between(rnd, 0, 2);
        w = new Window(kh, kw, stride, stride, pad, pad);
      }
      if (!w.fits(shape)) {
        return Optional.empty();
      }
      Conv2d conv = new Conv2d("conv" + c, layers.size(), shape, between(rnd, 1, 16), w,
          activation(rnd, pick(rnd, ELEMENTWISE)), init(rnd));
      layers.add(conv);
      shape = conv.outputShape();
      if (rnd.nextBoolean()) {
        int k = between(rnd, 1, 3);
        int stride = rnd.nextBoolean() ? k : between(rnd, 1, 3);
        Window pw = Window.unpadded(k, rnd.nextInt(3) == 0 ? between(rnd, 1, 3) : k, stride,
            stride);
        if (!pw.fits(shape)) {
          return Optional.empty();
        }
        Layer pool = rnd.nextBoolean()
            ? new MaxPool2d("maxpool" + c, layers.size(), shape, pw)
            : new AvgPool2d("avgpool" + c, layers.size(), shape, pw);
        layers.add(pool);
        shape = (Shape.Image) pool.outputShape();
      }
    }
    if (rnd.nextInt(3) == 0) {
      layers.add(new Flatten("flatten1", layers.size(), shape));
    }
    RandomNetworks head = withDepth(1, 2).withWidth(1, 12);
    return Optional.of(withDenseHead(name, input, layers, shape.size(), head.network(rnd, name)));
  }

  /**
   * Network {@code name}: {@code layers} on {@code input}, whose last one has {@code in} outputs,
   * then the dense layers of {@code head} (renamed after their index there), with its loss,
   * optimizer, seed and precision.
   */
  public static Network withDenseHead(String name, Shape.Image input, List<Layer> layers,
      int in, Network head) {
    List<Layer> all = new ArrayList<>(layers);
    for (Layer l : head.layers()) {
      Dense d = (Dense) l;
      all.add(new Dense("dense" + (d.index() + 1), all.size(), in, d.outSize(), d.activation(),
          d.init()));
      in = d.outSize();
    }
    return new Network(name, name + ".net", input, all, head.loss(), head.optimizer(),
        head.seed(), head.precision());
  }

  /** Multiply-adds of one example's forward pass (conv2d and dense layers). */
  public static long work(Network net) {
    long work = 0;
    for (Layer l : net.layers()) {
      if (l instanceof Conv2d c) {
        work += (long) c.outSize() * c.kernelSize();
      } else if (l instanceof Dense d) {
        work += (long) d.inSize() * d.outSize();
      }
    }
    return work;
  }

  /** The activation called {@code keyword} with random parameters where it takes any. */
  public static Activation activation(Random rnd, String keyword) {
    return switch (keyword) {
      case "identity" -> new Activation.Identity();
      case "sigmoid" -> new Activation.Sigmoid();
      case "tanh" -> new Activation.Tanh();
      case "relu" -> new Activation.Relu();
      case "leaky_relu" -> new Activation.LeakyRelu(0.01 + 0.3 * rnd.nextDouble());
      case "elu" -> new Activation.Elu(0.5 + rnd.nextDouble());
      case "softplus" -> new Activation.Softplus();
      case "softmax" -> new Activation.Softmax();
      default -> throw new IllegalArgumentException("unknown activation '" + keyword + "'");
    };
  }

  /** A random optimizer of the given family. */
  public static Optimizer optimizer(Random rnd, OptimizerKind kind) {
    double wd = rnd.nextBoolean() ? 0.0 : 1e-3 * rnd.nextDouble();
    if (kind == OptimizerKind.SGD) {
      double momentum = rnd.nextBoolean() ? 0.0 : 0.5 + 0.45 * rnd.nextDouble();
      boolean nesterov = momentum > 0 && rnd.nextBoolean();
      return new Optimizer.Sgd(0.001 + 0.1 * rnd.nextDouble(), momentum, nesterov, wd);
    }
    return new Optimizer.Adam(1e-4 + 1e-2 * rnd.nextDouble(), 0.8 + 0.19 * rnd.nextDouble(),
        0.99 + 0.0099 * rnd.nextDouble(), 1e-8, wd);
  }

  /** Random inputs for {@code batch} examples, roughly standard normal. */
  public static double[] inputs(Random rnd, Network net, int batch) {
    double[] xs = new double[batch * net.inputSize()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = net.precision().round(rnd.nextGaussian());
    }
    return xs;
  }

  /**
   * Random legal targets for {@code batch} examples: class indices for cross_entropy, values in
   * [0, 1] for binary_cross_entropy, roughly standard normal otherwise.
   */
  public static double[] targets(Random rnd, Network net, int batch) {
    Loss loss = net.loss().orElseThrow(() -> new IllegalArgumentException("no loss"));
    int width = net.targetWidth();
    double[] ts = new double[batch * width];
    for (int i = 0; i < ts.length; i++) {
      double t;
      if (loss instanceof Loss.CrossEntropy) {
        t = rnd.nextInt(net.outputSize());
      } else if (loss instanceof Loss.BinaryCrossEntropy) {
        // Soft targets too: torch accepts any t in [0, 1], and they exercise the z·t term.
        t = rnd.nextInt(3) == 0 ? rnd.nextDouble() : rnd.nextInt(2);
      } else {
        t = rnd.nextGaussian();
      }
      ts[i] = net.precision().round(t);
    }
    return ts;
  }

  private static WeightInit init(Random rnd) {
    return switch (rnd.nextInt(3)) {
      case 0 -> new WeightInit(Init.Scheme.XAVIER, 0);
      case 1 -> new WeightInit(Init.Scheme.HE, 0);
      default -> new WeightInit(Init.Scheme.UNIFORM, 0.05 + 0.5 * rnd.nextDouble());
    };
  }

  private static int between(Random rnd, int lo, int hi) {
    return lo + rnd.nextInt(hi - lo + 1);
  }

  private static <T> T pick(Random rnd, List<T> choices) {
    return choices.get(rnd.nextInt(choices.size()));
  }
}
