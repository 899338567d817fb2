package dev.netc.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable barrier for a fixed set of threads that meet several times per training step: each
 * waiter spins for a configured time, then yields its core (so that a partner without a core of
 * its own can run) until a second limit, then parks until the last arrival advances the
 * generation and unparks everyone. Unlike CyclicBarrier it takes no lock and allocates nothing
 * per meeting.
 */
final class StepBarrier {
  private final int parties;
  private final long spinNanos;
  private final long yieldNanos;
  private final Thread[] threads;
  private final AtomicInteger arrived = new AtomicInteger();
  private volatile int generation;

  /**
   * A barrier for {@code parties} threads that spins for up to {@code spinNanos}, then yields
   * until {@code yieldNanos} have passed since arrival, then parks.
   */
  StepBarrier(int parties, long spinNanos, long yieldNanos) {
    this.parties = parties;
    this.spinNanos = spinNanos;
    this.yieldNanos = Math.max(spinNanos, yieldNanos);
    this.threads = new Thread[parties];
  }

  /** Records which thread plays party {@code index} (the one to unpark). */
  void register(int index, Thread thread) {
    threads[index] = thread;
  }

  /** Waits until all parties have called this method for the current generation. */
  void await() {
    int gen = generation;
    if (arrived.incrementAndGet() == parties) {
      arrived.set(0);
      generation = gen + 1;
      Thread self = Thread.currentThread();
      for (Thread t : threads) {
        if (t != self) {
          LockSupport.unpark(t);
        }
      }
      return;
    }
    long start = System.nanoTime();
    boolean interrupted = false;
    while (generation == gen) {
      long waited = System.nanoTime() - start;
      if (waited < spinNanos) {
        Thread.onSpinWait();
      } else if (waited < yieldNanos) {
        Thread.yield();
      } else {
        LockSupport.park(this);
        // A step cannot stop half-way (the replicas would diverge): keep the flag for later.
        interrupted |= Thread.interrupted();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
