package dev.netc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The first claim of an element type wins, once per JVM, whichever thread makes it. */
class VectorWarmUpTest {
  @BeforeEach
  void warmUpIsOn() {
    assumeTrue(VectorWarmUp.enabled(), "-D" + VectorWarmUp.PROPERTY + "=false: nothing claims");
  }

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
    CountDownLatch start = new CountDownLatch(1);
    Thread[] threads = new Thread[8];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        results.add(VectorWarmUp.claim("test-kind-threads"));
      });
      threads[t].start();
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(threads.length, results.size());
    assertEquals(1, results.stream().filter(b -> b).count(), results.toString());
  }
}
