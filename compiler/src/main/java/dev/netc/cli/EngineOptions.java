package dev.netc.cli;

import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.KernelPlan;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.io.Dataset;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --interpret}, {@code --backend} and {@code --plan}: what runs the network. */
final class EngineOptions {
  @Option(names = "--interpret", description = "Run on the reference interpreter.")
  boolean interpret;

  @Option(names = "--backend", paramLabel = "auto|scalar|vector", defaultValue = "auto",
      description = "Generated code backend (default: ${DEFAULT-VALUE}: vector when the JVM has "
          + "jdk.incubator.vector, which bin/netc adds for train, eval and predict, else "
          + "scalar).")
  String backend;

  @Option(names = "--plan",
      paramLabel = "auto|preferred|v256|v512|v256-dot|v512-dot|preferred-dot",
      defaultValue = "auto",
      description = "Vector kernel plan: the vector width, -dot for a batched forward pass "
          + "in dot products instead of column tiles, and -wide or -narrow to fix the register "
          + "tiles (e.g. v512-dot-narrow), then -cN for N examples per batched pass (4 to 64; "
          + "e.g. v256-wide-c32); a width the CPU lacks runs the preferred "
          + "species (default: ${DEFAULT-VALUE}: the plan netc tune or an earlier netc train "
          + "chose for this network on this CPU; else train plans while it warms up, and the "
          + "others use preferred).")
  String plan;

  /** The parsed backend ({@code auto} resolved for this JVM), or a user error for a bad name. */
  CodegenPolicy.Backend backend() {
    if (backend.equalsIgnoreCase("auto")) {
      return Backends.vectorModuleLoaded() ? CodegenPolicy.Backend.VECTOR
          : CodegenPolicy.Backend.SCALAR;
    }
    return Backends.parse(backend);
  }

  /** The plan given by {@code --plan}, or empty for {@code auto}; a user error for a bad name. */
  Optional<KernelPlan> explicitPlan() {
    if (plan.equalsIgnoreCase("auto")) {
      return Optional.empty();
    }
    KernelPlan parsed;
    try {
      parsed = KernelPlan.parse(plan);
    } catch (IllegalArgumentException e) {
      throw new UserException("--plan: " + e.getMessage()
          + (e.getMessage().startsWith("unknown") ? " or auto" : ""));
    }
    int capacity = CodegenPolicy.defaults().chunk();
    if (parsed.chunk() > capacity) {
      throw new UserException("--plan " + plan + ": at most " + capacity
          + " examples per batched pass (-c" + capacity + ")");
    }
    return Optional.of(parsed);
  }

  /**
   * True if {@code net} runs on the vector backend with neither {@code --plan} nor a cached
   * plan that serves batches of {@code batch} ({@link Planner#covers}), and has a looped layer
   * (the only kernels a plan changes): a command that warms up may plan it ({@link Planner}).
   */
  boolean unplanned(Network net, int batch) {
    return !interpret && backend() == CodegenPolicy.Backend.VECTOR && Planner.matters(net)
        && explicitPlan().isEmpty()
        && cached(net).filter(e -> Planner.covers(net, e.plan(), e.batch(), batch)).isEmpty();
  }

  /**
   * The element type {@link #create}'s engine reads datasets in, known before it exists: the
   * interpreter and double networks read doubles, the generated class of a float network floats.
   */
  Dataset.Type dataType(Network net) {
    return interpret || net.precision() == Precision.DOUBLE ? Dataset.Type.DOUBLE
        : Dataset.Type.FLOAT;
  }

  /** An engine for {@code net}: the interpreter, or its generated class compiled in memory. */
  Engine create(Network net) {
    Optional<KernelPlan> given = explicitPlan();
    if (interpret || backend() != CodegenPolicy.Backend.VECTOR || !Planner.matters(net)) {
      return Backends.create(net, interpret, backend(), given.orElse(KernelPlan.PREFERRED), "");
    }
    if (given.isPresent()) {
      return create(net, given.get(), "--plan");
    }
    Optional<KernelPlan> cached = cached(net).map(PlanCache.Entry::plan);
    return cached.isPresent() ? create(net, cached.get(), "cached")
        : create(net, KernelPlan.PREFERRED, "not planned");
  }

  /** A vector engine for {@code net} running {@code plan}, chosen as {@code why} says. */
  Engine create(Network net, KernelPlan plan, String why) {
    return Backends.create(net, interpret, backend(), plan, why);
  }

  /** The plan cached for {@code net} on this CPU, with the batch it was timed at. */
  private static Optional<PlanCache.Entry> cached(Network net) {
    return PlanCache.open().flatMap(c -> c.entry(Planner.source(net)));
  }
}
