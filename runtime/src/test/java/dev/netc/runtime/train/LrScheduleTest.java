package dev.netc.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Schedules against the rates torch.optim.lr_scheduler 1.13 gives (lr_schedules.txt, written by
 * lr_schedules.py beside it).
 */
class LrScheduleTest {

  @Test
  void ratesMatchTorch() throws IOException {
    List<String> lines;
    try (InputStream in = getClass().getResourceAsStream("lr_schedules.txt")) {
      lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
    assertEquals(6, lines.size());
    for (String line : lines) {
      String[] f = line.split(" ");
      LrSchedule schedule = LrSchedule.parse(f[0]);
      int epochs = Integer.parseInt(f[1]);
      double base = Double.parseDouble(f[2]);
      double lr = base;
      assertEquals(Double.parseDouble(f[3]), lr, 0.0, line);
      for (int epoch = 1; epoch <= epochs; epoch++) {
        lr = schedule.next(lr, base, epoch, epochs);
        double expected = Double.parseDouble(f[3 + epoch]);
        // Step and exponential multiply exactly as torch does; cosine calls cos, which may
        // differ from the C library's in the last bit.
        double tolerance = schedule instanceof LrSchedule.Cosine ? 1e-15 * base : 0.0;
        assertEquals(expected, lr, tolerance, line + " at epoch " + epoch);
      }
    }
  }

  @Test
  void parsesTheCliSyntaxAndRejectsTheRest() {
    assertEquals(new LrSchedule.Step(5, 0.5), LrSchedule.parse("step(every = 5, gamma = 0.5)"));
    assertEquals(new LrSchedule.Step(3, 0.1), LrSchedule.parse(" STEP( every=3 ) "));
    assertEquals(new LrSchedule.Exponential(0.9), LrSchedule.parse("exponential(gamma = 0.9)"));
    assertEquals(new LrSchedule.Cosine(), LrSchedule.parse("cosine"));
    assertEquals(new LrSchedule.Constant(), LrSchedule.parse("constant"));
    String[][] bad = {
        {"linear", "unknown learning-rate schedule 'linear'"},
        {"step(gamma = 0.5)", "needs every = VALUE"},
        {"step(every = 2.5)", "every = '2.5' is not an integer"},
        {"exponential(gamma = -1)", "gamma must be finite and > 0"},
        {"exponential(gamma = 0.9, every = 2)", "unexpected argument 'every'"},
        {"step(every 5)", "expected NAME = VALUE"},
        {"cosine(", "lacks ')'"},
    };
    for (String[] b : bad) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LrSchedule.parse(b[0]));
      assertTrue(e.getMessage().contains(b[1]), e.getMessage());
    }
  }
}
