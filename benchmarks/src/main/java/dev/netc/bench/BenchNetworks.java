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
import dev.netc.runtime.LossReduction;
import dev.netc.ir.WeightInit;
import dev.netc.ir.Window;
import dev.netc.runtime.Init;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The benchmarked networks as IR values, and the program that turns them into Java at build time.
 *
 * <p>The build runs this file as a single-file program (exec-maven-plugin, generate-sources), so it
 * must only use the compiler's classes, not other classes of this module. The interpreter and
 * Encog benchmarks call {@link #mlp()} and {@link #tiny()} at run time, so all three
 * implementations run the same definition.
 */
public final class BenchNetworks {

  /**
   * Package of the generated classes {@code Mlp} and {@code Tiny} (scalar backend) and
   * {@code MlpVector} and {@code TinyVector} (Vector API backend).
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

  /** 4-16-3, tanh hidden layer, softmax + cross_entropy, SGD momentum, float. */
  public static Network tiny() {
    WeightInit xavier = new WeightInit(Init.Scheme.XAVIER, 0);
    return network("Tiny", 4, 7, List.of(
        new Dense("dense1", 0, 4, 16, new Activation.Tanh(), xavier),
        new Dense("dense2", 1, 16, 3, new Activation.Softmax(), xavier)));
  }

  /** Issue 14's LeNet-5 on 1x28x28 (as examples/lenet5.net). */
  public static Network lenet5() {
    WeightInit he = new WeightInit(Init.Scheme.HE, 0);
    Shape.Image in = new Shape.Image(1, 28, 28);
    Conv2d conv1 = new Conv2d("conv1", 0, in, 6, new Window(5, 5, 1, 1, 0, 0),
        new Activation.Relu(), he);
    MaxPool2d pool1 = new MaxPool2d("maxpool1", 1, conv1.outputShape(),
        Window.unpadded(2, 2, 2, 2));
    Conv2d conv2 = new Conv2d("conv2", 2, pool1.outputShape(), 16,
        new Window(5, 5, 1, 1, 0, 0), new Activation.Relu(), he);
    MaxPool2d pool2 = new MaxPool2d("maxpool2", 3, conv2.outputShape(),
        Window.unpadded(2, 2, 2, 2));
    return network("LeNet5", in, 42, List.of(conv1, pool1, conv2, pool2,
        new Dense("dense1", 4, pool2.outSize(), 120, new Activation.Relu(), he),
        new Dense("dense2", 5, 120, 84, new Activation.Relu(), he),
        new Dense("dense3", 6, 84, 10, new Activation.Softmax(), he)));
  }

  /** Issue 14's "Small" CNN on 1x28x28 (as examples/fashion-cnn.net). */
  public static Network smallCnn() {
    WeightInit he = new WeightInit(Init.Scheme.HE, 0);
    Shape.Image in = new Shape.Image(1, 28, 28);
    Conv2d conv1 = new Conv2d("conv1", 0, in, 16, new Window(3, 3, 1, 1, 1, 1),
        new Activation.Relu(), he);
    MaxPool2d pool1 = new MaxPool2d("maxpool1", 1, conv1.outputShape(),
        Window.unpadded(2, 2, 2, 2));
    Conv2d conv2 = new Conv2d("conv2", 2, pool1.outputShape(), 32,
        new Window(3, 3, 1, 1, 1, 1), new Activation.Relu(), he);
    MaxPool2d pool2 = new MaxPool2d("maxpool2", 3, conv2.outputShape(),
        Window.unpadded(2, 2, 2, 2));
    return network("SmallCnn", in, 42, List.of(conv1, pool1, conv2, pool2,
        new Dense("hidden", 4, pool2.outSize(), 128, new Activation.Relu(), he),
        new Dense("logits", 5, 128, 10, new Activation.Softmax(), he)));
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

  /** Writes the generated sources of both networks under the directory {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: BenchNetworks OUTPUT_DIRECTORY");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    CodegenPolicy vector = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    for (Network n : List.of(mlp(), tiny())) {
      JavaGenerator.generate(n, PACKAGE).writeTo(out);
      // The same network from the Vector API backend, as MlpVector and TinyVector.
      JavaGenerator.generate(renamed(n, n.name() + "Vector"), PACKAGE, vector).writeTo(out);
    }
  }
}
