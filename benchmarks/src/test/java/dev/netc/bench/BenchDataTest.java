package dev.netc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchDataTest {

  @Test
  void poolsAreDeterministicAndShaped() {
    BenchData a = BenchData.mlp(32);
    BenchData b = BenchData.mlp(32);
    assertEquals(BenchData.POOL_EXAMPLES / 32, a.batches());
    assertEquals(32 * 784, a.xs()[0].length);
    for (int i = 0; i < a.batches(); i++) {
      assertArrayEquals(a.xs()[i], b.xs()[i]);
      assertArrayEquals(a.labels()[i], b.labels()[i]);
    }
  }

  @Test
  void labelsAreClassIndicesAndDoublesMirrorFloats() {
    BenchData d = BenchData.tiny(1);
    boolean[] seen = new boolean[3];
    for (int b = 0; b < d.batches(); b++) {
      float label = d.labels()[b][0];
      assertEquals((int) label, label);
      seen[(int) label] = true;
      assertEquals(label, d.labelsDouble()[b][0]);
      for (int i = 0; i < 4; i++) {
        assertEquals(d.xs()[b][i], d.xsDouble()[b][i]);
        assertTrue(d.xs()[b][i] >= -1 && d.xs()[b][i] < 1);
      }
    }
    assertArrayEquals(new boolean[] {true, true, true}, seen);
  }

  @Test
  void cursorWrapsAroundThePool() {
    BenchData d = BenchData.mlp(128);
    assertEquals(1, d.next(0));
    assertEquals(0, d.next(d.batches() - 1));
    assertThrows(IllegalArgumentException.class, () -> BenchData.tiny(3));
  }
}
