package dev.netc.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a random suite checks of its draw, apart from the cases themselves: that it reached the
 * forms it exists to test. Its fixed seed (CI's) must: a change to the drawing that loses one
 * fails. Another seed ({@code -Dnetc.codegen.seed} and the like, exploring) draws what it draws,
 * so a form it missed is printed and the run goes on: its cases are what it checks.
 */
public final class Draws {
  private Draws() {}

  /** Fails with {@code what} unless {@code covered} at the fixed seed; else prints it if not. */
  public static void covered(long seed, long fixedSeed, boolean covered, String what) {
    if (seed == fixedSeed) {
      assertTrue(covered, what);
    } else if (!covered) {
      System.out.println("seed " + seed + ": " + what);
    }
  }
}
