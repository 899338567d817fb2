package dev.netc.bench;

import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.JavaGenerator;
import dev.netc.ir.Activation;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
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
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The benchmarked networks as IR values, and the program that turns them into Java at build time.
 *
 * <p>The build runs this file as a single-file program (exec-maven-plugin, generate-sources), so it
 * must only use the compiler's classes, not other classes of this module. The interpreter and
 * Encog benchmarks call {@link #mlp()}, {@link #tiny()}, {@link #lenet5()} and
 * {@link #smallCnn()} at run time, so every implementation runs the same definition.
 */
public final class BenchNetworks {

  /**
   * Package of the generated classes {@code Mlp}, {@code Tiny}, {@code LeNet5} and
   * {@code SmallCnn} (scalar backend) and the same names + {@code Vector} (Vector API backend).
   */
  public static final String PACKAGE = "dev.netc.bench.gen";

  /** Learning rate of both networks; momentum is {@link #MOMENTUM}. */
  public static final double LR = 0.01;

  /** SGD momentum of both networks (torch semantics, no nesterov, no weight decay). */
  public static final double MOMENTUM = 0.9;

  private static final String SOURCE = "BenchNetworks.java";

  private BenchNetworks() {}

  /** 784-256-128-10, relu hidden layers (He init), softmax + cross_entropy, SGD momentum, float. */
  public static Network mlp() {
    WeightInit he = new WeightInit(Init.Scheme.HE, 0);
    WeightInit xavier = new WeightInit(Init.Scheme.XAVIER, 0);
    return network("Mlp", 784, 42, List.of(
        new Dense("dense1", 0, 784, 256, new Activation.Relu(), he),
        new Dense("dense2", 1, 256, 128, new Activation.Relu(), he),
        new Dense("dense3", 2, 128, 10, new Activation.Softmax(), xavier)));
  }

  /**
   * {@link #mlp()} with tanh hidden layers (Xavier init), vector class only ({@code
   * TanhMlpVector}): its layers of 256 and 128 values take tanh in vectors ({@code
   * VectorTanh}), with operations the other kernels do not use (a division, {@code min},
   * comparisons). {@link MixedJvmAllocation} {@code --tanh} runs it after the CNNs.
   */
  public static Network tanhMlp() {
    WeightInit xavier = new WeightInit(Init.Scheme.XAVIER, 0);
    return network("TanhMlp", 784, 42, List.of(
        new Dense("dense1", 0, 784, 256, new Activation.Tanh(), xavier),
        new Dense("dense2", 1, 256, 128, new Activation.Tanh(), xavier),
        new Dense("dense3", 2, 128, 10, new Activation.Softmax(), xavier)));
  }

  /** 4-16-3, tanh hidden layer, softmax + cross_entropy, SGD momentum, float. */
  public static Network tiny() {
    WeightInit xavier = new WeightInit(Init.Scheme.XAVIER, 0);
    return network("Tiny", 4, 7, List.of(
        new Dense("dense1", 0, 4, 16, new Activation.Tanh(), xavier),
        new Dense("dense2", 1, 16, 3, new Activation.Softmax(), xavier)));
  }

  /** Issue 14's LeNet-5 on 1x28x28 (as examples/lenet5.net). */
  public static Network lenet5() {
    return twoConvs("LeNet5", 6, 16, new Window(5, 5, 1, 1, 0, 0), 120, 84);
  }

  /** Issue 14's "Small" CNN on 1x28x28 (as examples/fashion-cnn.net). */
  public static Network smallCnn() {
    return twoConvs("SmallCnn", 16, 32, new Window(3, 3, 1, 1, 1, 1), 128);
  }

  /**
   * 1x28x28; conv2d {@code c1}, maxpool 2x2, conv2d {@code c2}, maxpool 2x2 (relu, kernel
   * {@code w}); relu dense layers of the {@code hidden} sizes; dense 10 softmax; He init.
   */
  private static Network twoConvs(String name, int c1, int c2, Window w, int... hidden) {
    WeightInit he = new WeightInit(Init.Scheme.HE, 0);
    Shape.Image in = new Shape.Image(1, 28, 28);
    List<Layer> layers = new ArrayList<>();
    Shape.Image shape = in;
    for (int c : new int[] {c1, c2}) {
      Conv2d conv = new Conv2d("conv" + (layers.size() / 2 + 1), layers.size(), shape, c, w,
          new Activation.Relu(), he);
      MaxPool2d pool = new MaxPool2d("maxpool" + (layers.size() / 2 + 1), layers.size() + 1,
          conv.outputShape(), Window.unpadded(2, 2, 2, 2));
      layers.add(conv);
      layers.add(pool);
      shape = pool.outputShape();
    }
    int size = shape.size();
    for (int h : hidden) {
      layers.add(new Dense("dense" + (layers.size() - 3), layers.size(), size, h,
          new Activation.Relu(), he));
      size = h;
    }
    layers.add(new Dense("dense" + (layers.size() - 3), layers.size(), size, 10,
        new Activation.Softmax(), he));
    return network(name, in, 42, layers);
  }

  private static Network network(String name, int inputs, long seed, List<Layer> layers) {
    return network(name, Shape.vector(inputs), seed, layers);
  }

  private static Network network(String name, Shape inputs, long seed, List<Layer> layers) {
    return new Network(name, SOURCE, inputs, layers,
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(LR, MOMENTUM, false, 0.0), seed, Precision.FLOAT);
  }

  private static Network renamed(Network n, String name) {
    return n.withName(name);
  }

  /** Writes the generated sources of every network under the directory {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: BenchNetworks OUTPUT_DIRECTORY");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    CodegenPolicy vector = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    for (Network n : List.of(mlp(), tiny(), lenet5(), smallCnn())) {
      JavaGenerator.generate(n, PACKAGE).writeTo(out);
      // The same network from the Vector API backend, as MlpVector, TinyVector, ...
      JavaGenerator.generate(renamed(n, n.name() + "Vector"), PACKAGE, vector).writeTo(out);
    }
    JavaGenerator.generate(renamed(tanhMlp(), "TanhMlpVector"), PACKAGE, vector).writeTo(out);
  }
}
