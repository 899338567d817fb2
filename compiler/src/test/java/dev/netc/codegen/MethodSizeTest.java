package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.palantir.javapoet.JavaFile;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * No generated method may exceed HotSpot's 8000-byte HugeMethodLimit: checked from the class
 * files of networks with 4096×4096 layers, tall and thin shapes, and the largest layers the
 * default policy still unrolls, with every activation. The classes are compiled, never
 * instantiated (a 4096-4096-4096-10 network would need gigabytes).
 */
class MethodSizeTest {

  @Test
  void largeLayersStayBelowHugeMethodLimit() {
    List<Network> nets = List.of(
        network("Big", Precision.FLOAT, new int[] {4096, 4096, 4096, 10}, new Activation.Relu(),
            new Loss.CrossEntropy(LossReduction.MEAN), adam()),
        network("BigDouble", Precision.DOUBLE, new int[] {4096, 4096, 10},
            new Activation.Sigmoid(), new Loss.Mse(LossReduction.SUM), sgd()),
        network("Tall", Precision.FLOAT, new int[] {1, 4096, 1}, new Activation.Tanh(),
            new Loss.Mse(LossReduction.MEAN), sgd()),
        network("Wide", Precision.DOUBLE, new int[] {4096, 1}, new Activation.Sigmoid(),
            new Loss.BinaryCrossEntropy(LossReduction.MEAN), adam()),
        network("Fan", Precision.FLOAT, new int[] {4096, 16, 4096}, new Activation.Elu(1.0),
            null, sgd()));
    Map.Entry<String, Integer> worst = compileAndMeasure(nets);
    System.out.printf(Locale.ROOT, "largest method with 4096-wide layers: %s, %d bytes%n",
        worst.getKey(), worst.getValue());
  }

  /**
   * The deepest network whose steps split over a team ({@link BatchEmitter#MAX_SPLIT_LAYERS}
   * layers, Adam's long update calls): its phase methods {@code runPhase} and {@code
   * updatePart}, a case per layer and phase, stay below the limit; one layer more and the class
   * does not split.
   */
  @Test
  void theDeepestSplitNetworkStaysBelowHugeMethodLimit() {
    int[] sizes = new int[BatchEmitter.MAX_SPLIT_LAYERS + 1];
    java.util.Arrays.fill(sizes, 40);
    sizes[sizes.length - 1] = 10;
    Network deep = network("DeepSplit", Precision.FLOAT, sizes, new Activation.Tanh(),
        new Loss.CrossEntropy(LossReduction.MEAN), adam());
    Map.Entry<String, Integer> worst = compileAndMeasure(List.of(deep));
    System.out.printf(Locale.ROOT, "largest method of a %d-layer split network: %s, %d bytes%n",
        BatchEmitter.MAX_SPLIT_LAYERS, worst.getKey(), worst.getValue());
    CodegenPolicy vector = CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR);
    assertTrue(JavaGenerator.generate(deep, "gen.size.vector", vector).toString()
        .contains("private void runPhase("));
    int[] deeper = java.util.Arrays.copyOf(sizes, sizes.length + 1);
    deeper[sizes.length - 1] = 40;
    deeper[sizes.length] = 10;
    Network tooDeep = network("TooDeep", Precision.FLOAT, deeper, new Activation.Tanh(),
        new Loss.CrossEntropy(LossReduction.MEAN), adam());
    assertTrue(!JavaGenerator.generate(tooDeep, "gen.size.vector", vector).toString()
        .contains("runPhase"));
  }

  @Test
  void largestUnrolledLayersStayBelowHugeMethodLimit() {
    CodegenPolicy policy = CodegenPolicy.defaults();
    int[][] shapes = {
        {policy.unrollMaxFanIn(), policy.unrollMaxWeights() / policy.unrollMaxFanIn(),
            policy.unrollMaxFanIn()},
        {policy.unrollMaxWeights() / policy.unrollMaxFanOut(), policy.unrollMaxFanOut()}};
    List<Network> nets = new ArrayList<>();
    int k = 0;
    for (Activation act : List.of(new Activation.Identity(), new Activation.Sigmoid(),
        new Activation.Tanh(), new Activation.Relu(), new Activation.LeakyRelu(0.1),
        new Activation.Elu(0.5), new Activation.Softplus())) {
      for (int[] shape : shapes) {
        for (Precision p : Precision.values()) {
          nets.add(network("Unrolled" + k++, p, shape, act, new Loss.Mse(LossReduction.MEAN),
              adam()));
        }
      }
    }
    nets.add(network("UnrolledSoftmax", Precision.DOUBLE, shapes[0], new Activation.Elu(1.0),
        new Loss.CrossEntropy(LossReduction.MEAN), sgd()));
    for (Network n : nets) {
      for (Layer l : n.layers()) {
        assertEquals(CodegenPolicy.Kernel.UNROLLED, policy.kernel(l), n.name());
      }
    }
    Map.Entry<String, Integer> worst = compileAndMeasure(nets);
    System.out.printf(Locale.ROOT, "largest method with fully unrolled layers: %s, %d bytes%n",
        worst.getKey(), worst.getValue());
  }

  @Test
  void deepNetworksStayBelowHugeMethodLimit() {
    int[] sizes = new int[301];
    java.util.Arrays.fill(sizes, 3);
    List<Network> nets = List.of(
        network("Deep", Precision.FLOAT, sizes, new Activation.Tanh(),
            new Loss.CrossEntropy(LossReduction.SUM), adam()),
        network("DeepSgd", Precision.DOUBLE, sizes, new Activation.Relu(),
            new Loss.Mse(LossReduction.MEAN), sgd()),
        // 200 layers of 64 KB each: predict's aligned copies (vector backend) for every one.
        network("DeepAligned", Precision.FLOAT, deepAligned(), new Activation.Relu(),
            new Loss.CrossEntropy(LossReduction.MEAN), sgd()));
    Map.Entry<String, Integer> worst = compileAndMeasure(nets);
    System.out.printf(Locale.ROOT, "largest method with 300 layers: %s, %d bytes%n",
        worst.getKey(), worst.getValue());
  }

  /**
   * The largest CNN: {@code input 3x224x224, conv2d 64 7x7 (stride = 2, padding = 3),
   * maxpool 3x3 (stride = 2), conv2d 512 3x3 (padding = same)}, then a dense output layer.
   */
  @Test
  void largeCnnStaysBelowHugeMethodLimit() {
    Shape.Image in = new Shape.Image(3, 224, 224);
    WeightInit he = new WeightInit(Init.Scheme.HE, 0);
    Conv2d conv1 = new Conv2d("conv1", 0, in, 64, new Window(7, 7, 2, 2, 3, 3),
        new Activation.Relu(), he);
    MaxPool2d pool = new MaxPool2d("maxpool1", 1, conv1.outputShape(),
        Window.unpadded(3, 3, 2, 2));
    Conv2d conv2 = new Conv2d("conv2", 2, pool.outputShape(), 512,
        new Window(3, 3, 1, 1, 1, 1), new Activation.Relu(), he);
    Dense out = new Dense("logits", 3, conv2.outSize(), 10, new Activation.Softmax(), he);
    Network net = new Network("LargeCnn", "large.net", in, List.of(conv1, pool, conv2, out),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)), sgd(), 1, Precision.FLOAT);
    Map.Entry<String, Integer> worst = compileAndMeasure(List.of(net));
    System.out.printf(Locale.ROOT, "largest method of the 3x224x224 CNN: %s, %d bytes%n",
        worst.getKey(), worst.getValue());
  }

  private static Map.Entry<String, Integer> compileAndMeasure(List<Network> nets) {
    List<JavaFile> files = new ArrayList<>();
    for (Network n : nets) {
      files.add(JavaGenerator.generate(n, "gen.size"));
      // Every plan writes the same kernels (only KERNEL_PLAN's default differs): one suffices.
      files.add(JavaGenerator.generate(n, "gen.size.vector",
          CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)
              .withPlan(KernelPlan.V512)));
    }
    InMemoryCompiler.Compiled c = InMemoryCompiler.compile(files);
    assertEquals(List.of(), c.warnings());
    Map.Entry<String, Integer> worst = ClassFiles.longestMethod(c);
    assertTrue(worst.getValue() <= ClassFiles.HUGE_METHOD_LIMIT,
        worst.getKey() + " has " + worst.getValue() + " bytes of bytecode");
    return worst;
  }

  static Network network(String name, Precision p, int[] sizes, Activation hidden, Loss loss,
      Optimizer opt) {
    List<Layer> layers = new ArrayList<>();
    for (int i = 1; i < sizes.length; i++) {
      boolean last = i == sizes.length - 1;
      Activation act = !last ? hidden
          : loss instanceof Loss.CrossEntropy ? new Activation.Softmax()
          : loss instanceof Loss.BinaryCrossEntropy ? new Activation.Sigmoid()
          : hidden;
      layers.add(new Dense("layer" + i, i - 1, sizes[i - 1], sizes[i], act,
          new WeightInit(Init.Scheme.XAVIER, 0)));
    }
    return new Network(name, name + ".net", sizes[0], layers, Optional.ofNullable(loss), opt, 1,
        p);
  }

  private static int[] deepAligned() {
    int[] sizes = new int[202];
    java.util.Arrays.fill(sizes, 128);
    sizes[201] = 10;
    return sizes;
  }

  private static Optimizer adam() {
    return new Optimizer.Adam(0.001, 0.9, 0.999, 1e-8, 1e-4);
  }

  private static Optimizer sgd() {
    return new Optimizer.Sgd(0.01, 0.9, true, 1e-4);
  }
}
