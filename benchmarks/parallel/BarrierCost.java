import java.util.Arrays;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What one training step pays for synchronization: two threads meet three times per step (as
 * dev.netc.runtime.ParallelTrainer does) with {@code work} µs of busy work per phase, using
 * CyclicBarrier, Phaser, or ParallelTrainer's StepBarrier (copied here because it is
 * package-private, plus an optional Thread.yield stage) with several spin and yield limits.
 * Prints the median µs per step over several rounds minus the work.
 * Run: java benchmarks/parallel/BarrierCost.java [workMicros]
 */
public final class BarrierCost {
  interface Meet {
    void await() throws Exception;
  }

  /** dev.netc.runtime.StepBarrier's algorithm, with a yield stage between spinning and parking. */
  static final class SpinPark implements Meet {
    final int parties;
    final long spinNanos;
    final long yieldNanos;
    final Thread[] threads;
    final AtomicInteger arrived = new AtomicInteger();
    volatile int generation;

    SpinPark(int parties, long spinNanos, long yieldNanos, Thread[] threads) {
      this.parties = parties;
      this.spinNanos = spinNanos;
      this.yieldNanos = yieldNanos;
      this.threads = threads;
    }

    public void await() {
      int gen = generation;
      if (arrived.incrementAndGet() == parties) {
        arrived.set(0);
        generation = gen + 1;
        for (Thread t : threads) {
          if (t != Thread.currentThread()) {
            LockSupport.unpark(t);
          }
        }
        return;
      }
      long start = System.nanoTime();
      while (generation == gen) {
        long waited = System.nanoTime() - start;
        if (waited < spinNanos) {
          Thread.onSpinWait();
        } else if (waited < yieldNanos) {
          Thread.yield();
        } else {
          LockSupport.park(this);
        }
      }
    }
  }

  static void work(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  static double run(String kind, long workNanos, int steps) throws Exception {
    Thread[] threads = new Thread[2];
    threads[0] = Thread.currentThread();
    Meet meet;
    switch (kind) {
      case "CyclicBarrier" -> {
        CyclicBarrier b = new CyclicBarrier(2);
        meet = () -> b.await();
      }
      case "Phaser" -> {
        Phaser p = new Phaser(2);
        meet = () -> p.arriveAndAwaitAdvance();
      }
      default -> {
        // spin-S-Y: spin S µs, then yield until Y µs, then park
        String[] p = kind.split("-");
        long spin = Long.parseLong(p[1]) * 1000;
        long yield = p.length > 2 ? Long.parseLong(p[2]) * 1000 : spin;
        meet = new SpinPark(2, spin, yield, threads);
      }
    }
    Meet m = meet;
    Thread worker = new Thread(() -> {
      try {
        for (int s = 0; s < steps; s++) {
          m.await();
          work(workNanos);
          m.await();
          work(workNanos / 10);
          m.await();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    threads[1] = worker;
    worker.setDaemon(true);
    worker.start();
    long t0 = System.nanoTime();
    for (int s = 0; s < steps; s++) {
      m.await();
      work(workNanos);
      m.await();
      work(workNanos / 10);
      m.await();
    }
    long t1 = System.nanoTime();
    worker.join();
    return (t1 - t0) / 1e3 / steps - (workNanos + workNanos / 10) / 1e3;
  }

  public static void main(String[] args) throws Exception {
    long work = (args.length > 0 ? Long.parseLong(args[0]) : 50) * 1000;
    // spin-S or spin-S-Y: spin S µs, then (if Y is given) yield until Y µs, then park
    String[] kinds = {"CyclicBarrier", "Phaser", "spin-0", "spin-2", "spin-10", "spin-50",
        "spin-2-20", "spin-2-100", "spin-0-50"};
    System.out.printf("overhead per step (3 meetings, 2 threads, %d µs work): median of 7%n",
        work / 1000);
    for (String kind : kinds) {
      double[] r = new double[7];
      run(kind, work, 2000);
      for (int i = 0; i < r.length; i++) {
        r[i] = run(kind, work, 2000);
      }
      Arrays.sort(r);
      System.out.printf("%-14s %8.1f µs (min %.1f, max %.1f)%n", kind, r[3], r[0], r[6]);
    }
  }
}
