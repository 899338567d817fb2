package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The first claim of an element type wins, once per JVM, whichever thread makes it. */
class VectorWarmUpTest {
  @Test
  void onlyTheFirstClaimOfAKindWins() {
    assertTrue(VectorWarmUp.claim("test-kind-a"));
    assertFalse(VectorWarmUp.claim("test-kind-a"));
    assertTrue(VectorWarmUp.claim("test-kind-b"), "another element type has its own claim");
    assertFalse(VectorWarmUp.claim("test-kind-b"));
  }

  @Test
  void oneOfManyThreadsWins() throws InterruptedException {
    ConcurrentLinkedQueue<Boolean> results = new ConcurrentLinkedQueue<>();
    Thread[] threads = new Thread[8];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> results.add(VectorWarmUp.claim("test-kind-threads")));
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(1, results.stream().filter(b -> b).count(), results.toString());
  }
}
