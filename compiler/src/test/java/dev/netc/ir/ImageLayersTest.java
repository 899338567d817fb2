package dev.netc.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import dev.netc.runtime.TensorSpec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The IR records of conv2d, pooling and flatten: shapes, tensors, fans and invariants. */
class ImageLayersTest {
  private static final WeightInit HE = new WeightInit(Init.Scheme.HE, 0);
  private static final Shape.Image IN = new Shape.Image(3, 17, 23);

  @Test
  void windowsFollowPyTorchsOutputSizeFormula() {
    Window w = new Window(3, 5, 2, 2, 2, 2);
    assertEquals((17 + 4 - 3) / 2 + 1, w.outHeight(17));
    assertEquals((23 + 4 - 5) / 2 + 1, w.outWidth(23));
    assertTrue(w.fits(IN));
    Window big = Window.unpadded(5, 5, 1, 1);
    assertTrue(!big.fits(new Shape.Image(1, 4, 9)));
    assertThrows(IllegalArgumentException.class, () -> big.output(new Shape.Image(1, 4, 9), 1));
    assertThrows(IllegalArgumentException.class, () -> new Window(0, 3, 1, 1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Window(3, 3, 1, 1, -1, 0));
  }

  @Test
  void conv2dHasTorchTensorsAndFans() {
    Conv2d c = new Conv2d("c", 0, IN, 4, new Window(3, 5, 2, 2, 2, 2), new Activation.Tanh(), HE);
    assertEquals(new Shape.Image(4, 10, 12), c.outputShape());
    List<TensorSpec> t = c.parameters(10);
    assertEquals("c.weight", t.get(0).name());
    assertArrayEquals(new int[] {4, 3, 3, 5}, t.get(0).shape());
    assertEquals(10, t.get(0).offset());
    assertArrayEquals(new int[] {4}, t.get(1).shape());
    assertEquals(10 + 180, t.get(1).offset());
    assertEquals(184, c.parameterCount());
    assertEquals(3 * 3 * 5, c.fanIn());
    assertEquals(4 * 3 * 5, c.fanOut());
    assertThrows(IllegalArgumentException.class, () -> new Conv2d("c", 0, IN, 4,
        new Window(3, 3, 1, 1, 0, 0), new Activation.Softmax(), HE));
  }

  @Test
  void poolsAndFlattenHaveNoParameters() {
    MaxPool2d m = new MaxPool2d("m", 0, IN, Window.unpadded(2, 3, 2, 3));
    assertEquals(new Shape.Image(3, 8, 7), m.outputShape());
    AvgPool2d a = new AvgPool2d("a", 0, IN, Window.unpadded(3, 3, 1, 1));
    assertEquals(new Shape.Image(3, 15, 21), a.outputShape());
    Flatten f = new Flatten("f", 0, IN);
    assertEquals(Shape.vector(3 * 17 * 23), f.outputShape());
    for (Layer l : List.of(m, a, f)) {
      assertEquals(0, l.parameterCount());
      assertTrue(l.parameters(0).isEmpty());
      assertTrue(l.activation() instanceof Activation.Identity);
    }
    assertThrows(IllegalArgumentException.class,
        () -> new MaxPool2d("m", 0, IN, new Window(2, 2, 2, 2, 1, 1)));
  }

  @Test
  void networksEndWithADenseLayerAndChainImageShapes() {
    Conv2d c = new Conv2d("c", 0, IN, 2, new Window(3, 3, 1, 1, 1, 1), new Activation.Relu(), HE);
    Flatten f = new Flatten("f", 1, c.outputShape());
    Optional<Loss> mse = Optional.of(new Loss.Mse(LossReduction.MEAN));
    Optimizer sgd = new Optimizer.Sgd(0.1, 0, false, 0);
    assertThrows(IllegalArgumentException.class,
        () -> new Network("n", "n.net", IN, List.of(c, f), mse, sgd, 1, Precision.FLOAT));
    Dense d = new Dense("d", 2, f.outSize(), 1, new Activation.Identity(), HE);
    Network n = new Network("n", "n.net", IN, List.of(c, f, d), mse, sgd, 1, Precision.FLOAT);
    assertEquals(c.parameterCount() + d.parameterCount(), n.parameterCount());
    assertEquals(c.parameterCount(), n.weightOffset(2));
    MaxPool2d wrongInput = new MaxPool2d("m", 0, new Shape.Image(3, 16, 23),
        Window.unpadded(2, 2, 2, 2));
    assertThrows(IllegalArgumentException.class, () -> new Network("n", "n.net", IN,
        List.of(wrongInput, new Dense("d", 1, wrongInput.outSize(), 1,
            new Activation.Identity(), HE)), mse, sgd, 1, Precision.FLOAT));
  }
}
