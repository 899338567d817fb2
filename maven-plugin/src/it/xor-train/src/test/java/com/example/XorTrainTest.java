package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.testnets.Probe;
import org.junit.jupiter.api.Test;

class XorTrainTest {

  @Test
  void generatedXorTrainsBelowTheTargetLoss() {
    Xor net = new Xor();
    assertEquals(2, Xor.INPUT_SIZE);
    assertEquals(2 * 8 + 8 + 8 + 1, net.parameterCount());
    float loss = App.train(net, 1000);
    assertTrue(loss < 0.05f, "loss " + loss);
    for (int i = 0; i < 4; i++) {
      float p = net.predict(new float[] {App.INPUTS[2 * i], App.INPUTS[2 * i + 1]})[0];
      assertEquals(App.TARGETS[i], p, 0.25f, "example " + i);
    }
  }

  @Test
  void testOnlyNetworkComesFromGenerateTest() {
    Probe probe = new Probe(1L);
    float[] out = new float[2];
    probe.predict(new float[] {1, 2, 3}, out);
    assertEquals(3 * 2 + 2, probe.parameterCount());
    assertTrue(Float.isFinite(out[0]) && Float.isFinite(out[1]));
  }
}
