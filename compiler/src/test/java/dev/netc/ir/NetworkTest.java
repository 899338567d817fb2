package dev.netc.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.TensorSpec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NetworkTest {
  private static final WeightInit HE = new WeightInit(Init.Scheme.HE, 0);

  private static Network net(Shape input, Activation out, Loss loss) {
    return new Network("n", "n.net", input,
        List.of(new Dense("hidden", 0, input.size(), 4, new Activation.Relu(), HE),
            new Dense("out", 1, 4, 3, out, HE)),
        Optional.ofNullable(loss), new Optimizer.Sgd(0.1, 0, false, 0), 1, Precision.DOUBLE);
  }

  @Test
  void shapesDescribeThemselvesAndFlatten() {
    assertEquals("784", Shape.vector(784).describe());
    assertEquals("1x28x28", Shape.image(1, 28, 28).describe());
    assertEquals(784, Shape.image(1, 28, 28).size());
    assertThrows(IllegalArgumentException.class, () -> Shape.image(0, 2, 2));
    assertThrows(IllegalArgumentException.class, () -> Shape.vector(0));
  }

  @Test
  void denseFlattensAnImageInputAndListsTorchTensors() {
    Network n = net(Shape.image(2, 3, 3), new Activation.Softmax(),
        new Loss.CrossEntropy(LossReduction.MEAN));
    assertEquals(18, n.inputSize());
    Dense d = (Dense) n.layers().get(0);
    assertTrue(d.accepts(Shape.image(2, 3, 3)));
    assertFalse(d.accepts(Shape.vector(17)));
    assertEquals(18, d.fanIn());
    assertEquals(4, d.fanOut());
    assertEquals(List.of(new TensorSpec("hidden.weight", new int[] {4, 18}, 0),
        new TensorSpec("hidden.bias", new int[] {4}, 72),
        new TensorSpec("out.weight", new int[] {3, 4}, 76),
        new TensorSpec("out.bias", new int[] {3}, 88)), n.parameterLayout());
  }

  @Test
  void lossMustFitTheOutputActivationAndTheMessageQuotesBoth() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> net(Shape.vector(2), new Activation.Tanh(),
            new Loss.CrossEntropy(LossReduction.MEAN)));
    assertEquals("loss 'cross_entropy' cannot follow output activation 'tanh'", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> net(Shape.vector(2),
        new Activation.Softmax(), new Loss.Mse(LossReduction.SUM)));
    assertThrows(IllegalArgumentException.class, () -> net(Shape.vector(2),
        new Activation.Relu(), new Loss.BinaryCrossEntropy(LossReduction.SUM)));
    net(Shape.vector(2), new Activation.Softmax(), null);
  }

  @Test
  void layersMustChain() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Network("n", "n.net", 3,
            List.of(new Dense("a", 0, 2, 4, new Activation.Relu(), HE)), Optional.empty(),
            new Optimizer.Sgd(0.1, 0, false, 0), 1, Precision.FLOAT));
    assertTrue(e.getMessage().contains("receives 3"), e.getMessage());
  }

  @Test
  void withersChangeOneComponent() {
    Network n = net(Shape.vector(2), new Activation.Sigmoid(),
        new Loss.BinaryCrossEntropy(LossReduction.MEAN));
    assertEquals(9, n.withSeed(9).seed());
    assertEquals("m", n.withName("m").name());
    assertEquals(Precision.FLOAT, n.withPrecision(Precision.FLOAT).precision());
    assertEquals(Optional.empty(), n.withLoss(Optional.empty()).loss());
    Optimizer adam = new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 0);
    assertEquals(adam, n.withOptimizer(adam).optimizer());
    assertEquals(n, n.withSeed(n.seed()));
  }
}
