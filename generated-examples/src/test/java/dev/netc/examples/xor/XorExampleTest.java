package dev.netc.examples.xor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class XorExampleTest {

  @Test
  void generatedXorLearnsXor() {
    Xor net = new Xor();
    float loss = XorExample.train(net, 1000);
    assertTrue(loss < 0.05f, "binary cross-entropy after training: " + loss);
    for (int i = 0; i < 4; i++) {
      float[] x = {XorExample.INPUTS[2 * i], XorExample.INPUTS[2 * i + 1]};
      assertEquals(XorExample.TARGETS[i], net.predict(x)[0], 0.2f, "example " + i);
    }
  }

  @Test
  void sameSeedSameNetworkAndCopiesAreIndependent() {
    Xor a = new Xor();
    Xor b = new Xor();
    float[] pa = new float[Xor.PARAMETER_COUNT];
    float[] pb = new float[Xor.PARAMETER_COUNT];
    a.getParameters(pa);
    b.getParameters(pb);
    assertEquals(java.util.Arrays.toString(pa), java.util.Arrays.toString(pb));
    Xor copy = a.copy();
    XorExample.train(a, 10);
    copy.getParameters(pb);
    assertEquals(java.util.Arrays.toString(pa), java.util.Arrays.toString(pb),
        "training the original must not move the copy");
  }
}
