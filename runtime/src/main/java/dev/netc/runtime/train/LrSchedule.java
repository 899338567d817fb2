package dev.netc.runtime.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A learning-rate schedule stepped once per epoch, with the semantics of
 * {@code torch.optim.lr_scheduler}: epoch e (1-based) trains with the rate the scheduler holds
 * after e − 1 calls of {@code step()}, computed recursively from the previous rate as torch's
 * {@code get_lr()} does.
 */
public sealed interface LrSchedule {

  /**
   * The rate after the {@code epoch}-th {@code step()} (torch's {@code last_epoch}, at least 1),
   * from the rate before it, the initial rate {@code base} and the planned number of epochs.
   */
  double next(double previous, double base, int epoch, int epochs);

  /** The schedule in the syntax {@link #parse} reads. */
  String describe();

  /** The same rate throughout. */
  record Constant() implements LrSchedule {
    @Override
    public double next(double previous, double base, int epoch, int epochs) {
      return previous;
    }

    @Override
    public String describe() {
      return "constant";
    }
  }

  /** {@code StepLR(step_size = every, gamma)}: times gamma every {@code every} epochs. */
  record Step(int every, double gamma) implements LrSchedule {
    /** Validates the arguments. */
    public Step {
      if (every < 1) {
        throw new IllegalArgumentException("step: every must be at least 1, not " + every);
      }
      checkGamma("step", gamma);
    }

    @Override
    public double next(double previous, double base, int epoch, int epochs) {
      return epoch % every != 0 ? previous : previous * gamma;
    }

    @Override
    public String describe() {
      return "step(every = " + every + ", gamma = " + gamma + ")";
    }
  }

  /** {@code ExponentialLR(gamma)}: times gamma every epoch. */
  record Exponential(double gamma) implements LrSchedule {
    /** Validates gamma. */
    public Exponential {
      checkGamma("exponential", gamma);
    }

    @Override
    public double next(double previous, double base, int epoch, int epochs) {
      return previous * gamma;
    }

    @Override
    public String describe() {
      return "exponential(gamma = " + gamma + ")";
    }
  }

  /** {@code CosineAnnealingLR(T_max = epochs, eta_min = 0)}, in torch's recursive form. */
  record Cosine() implements LrSchedule {
    @Override
    public double next(double previous, double base, int epoch, int epochs) {
      double tMax = epochs;
      if (Math.floorMod(epoch - 1 - epochs, 2 * epochs) == 0) {
        return previous + base * (1 - StrictMath.cos(StrictMath.PI / tMax)) / 2;
      }
      return (1 + StrictMath.cos(StrictMath.PI * epoch / tMax))
          / (1 + StrictMath.cos(StrictMath.PI * (epoch - 1) / tMax)) * previous;
    }

    @Override
    public String describe() {
      return "cosine";
    }
  }

  /**
   * Reads {@code constant}, {@code cosine}, {@code step(every = N, gamma = G)} (gamma defaults to
   * 0.1, as in torch) or {@code exponential(gamma = G)}.
   *
   * @throws IllegalArgumentException with a one-line message for anything else
   */
  static LrSchedule parse(String text) {
    String s = text.strip().toLowerCase(Locale.ROOT);
    int open = s.indexOf('(');
    String name = (open < 0 ? s : s.substring(0, open)).strip();
    Map<String, String> args = new LinkedHashMap<>();
    if (open >= 0) {
      if (!s.endsWith(")")) {
        throw new IllegalArgumentException("learning-rate schedule '" + text + "' lacks ')'");
      }
      String inner = s.substring(open + 1, s.length() - 1).strip();
      for (String part : inner.isEmpty() ? new String[0] : inner.split(",")) {
        String[] kv = part.split("=", -1);
        if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
          throw new IllegalArgumentException("learning-rate schedule '" + text
              + "': expected NAME = VALUE, not '" + part.strip() + "'");
        }
        args.put(kv[0].strip(), kv[1].strip());
      }
    }
    LrSchedule schedule = switch (name) {
      case "constant" -> new Constant();
      case "cosine" -> new Cosine();
      case "step" -> new Step((int) number(text, args, "every", null),
          number(text, args, "gamma", 0.1));
      case "exponential" -> new Exponential(number(text, args, "gamma", null));
      default -> throw new IllegalArgumentException("unknown learning-rate schedule '" + text
          + "'; expected step(every = N, gamma = G), cosine, exponential(gamma = G) or constant");
    };
    if (!args.isEmpty()) {
      throw new IllegalArgumentException("learning-rate schedule '" + text
          + "': unexpected argument '" + args.keySet().iterator().next() + "'");
    }
    return schedule;
  }

  private static double number(String text, Map<String, String> args, String key,
      Double fallback) {
    String value = args.remove(key);
    if (value == null) {
      if (fallback == null) {
        throw new IllegalArgumentException("learning-rate schedule '" + text + "' needs "
            + key + " = VALUE");
      }
      return fallback;
    }
    try {
      double v = Double.parseDouble(value);
      if (key.equals("every") && v != Math.rint(v)) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("learning-rate schedule '" + text + "': " + key
          + " = '" + value + "' is not a" + (key.equals("every") ? "n integer" : " number"));
    }
  }

  private static void checkGamma(String name, double gamma) {
    if (!(gamma > 0) || Double.isInfinite(gamma)) {
      throw new IllegalArgumentException(name + ": gamma must be finite and > 0, not " + gamma);
    }
  }
}
