package dev.netc.cli;

import dev.netc.ir.Network;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netc tune}: times each vector kernel plan here and caches the fastest. */
@Command(
    name = "tune",
    mixinStandardHelpOptions = true,
    description = "Times each vector kernel plan (vector width and forward form, then the "
        + "register tiles of the fastest, then, for a fully connected network at a batch above "
        + "32, a chunk of 32 examples) on this machine for the network and caches the "
        + "fastest, which train, eval and predict then use.")
final class TuneCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "32",
      description = "Mini-batch size to time training steps at (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--rounds", paramLabel = "R", defaultValue = "2",
      description = "Times each plan in R JVMs, in alternating order, and keeps its fastest "
          + "(default: ${DEFAULT-VALUE}; netc train plans with 1).")
  int rounds;

  @Override
  public Integer call() {
    if (batch < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--batch must be at least 1, not " + batch);
    }
    if (rounds < 1 || rounds > 10) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--rounds must be between 1 and 10, not " + rounds);
    }
    Network net = model.load(spec.commandLine().getErr());
    PrintWriter out = spec.commandLine().getOut();
    if (!Planner.matters(net)) {
      out.println(net.name() + " has only unrolled layers, which run the same scalar code under "
          + "every plan: nothing to tune");
      return 0;
    }
    out.printf(Locale.ROOT, "tuning %s on %s, batch %d, 1 thread, each plan in its own JVM, "
        + "%d round%s (the fastest of each plan's)%n", net.name(), PlanCache.cpuModel(), batch,
        rounds, rounds == 1 ? "" : "s");
    out.flush();
    Planner.Result r = Planner.plan(model.model, net, batch, rounds);
    double worst = 0;
    for (Planner.Timing t : r.timings()) {
      worst = Math.max(worst, t.nanosPerStep());
      out.printf(Locale.ROOT, "  %-19s %8.3f ms/step %10.0f samples/s%n", t.plan(),
          t.nanosPerStep() / 1e6, batch / (t.nanosPerStep() / 1e9));
    }
    if (!r.narrowed().isEmpty()) {
      out.println("  " + r.narrowedList());
    }
    double best = r.timings().stream().mapToDouble(Planner.Timing::nanosPerStep).min()
        .orElseThrow();
    out.printf(Locale.ROOT, "chose %s: the fastest, %.2fx the slowest%n", r.plan(),
        worst / best);
    Optional<PlanCache> cache = PlanCache.open();
    Optional<Path> written = cache.flatMap(c -> c.write(Planner.source(net), r.plan(),
        r.notes()));
    out.println(written.map(p -> "wrote " + p + " (safe to delete)")
        .orElse(cache.isEmpty() ? "plan cache disabled (netc.cacheDir or NETC_CACHE_DIR is off):"
            + " not saved; pass --plan " + r.plan() + " to train, eval and predict"
            : "cannot write to " + cache.get().directory() + ": not saved; pass --plan "
            + r.plan() + " to train, eval and predict"));
    return 0;
  }
}
