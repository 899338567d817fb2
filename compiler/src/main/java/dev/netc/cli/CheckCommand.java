package dev.netc.cli;

import dev.netc.codegen.CodegenPolicy;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code netc check}: compiles each network's generated class in memory and checks its gradient
 * against the exact one (the interpreter in double precision) within the error that summation
 * order can explain, and the exact gradient against finite differences ({@link GradientCheck}).
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Verifies the generated gradients on random parameters and inputs: against the "
          + "interpreter run in double precision (the exact gradient), and that against finite "
          + "differences. Prints each tensor's largest error relative to its largest entry.",
      "A double network must match within N·2⁻⁵³, with N the terms summed along the longest "
          + "chain (batch + every layer's fan-in and fan-out). A float network's double twin "
          + "(same kernels, double precision) must match within N·2⁻⁵³, and the float class "
          + "within N·2⁻²⁴, or 4× the float interpreter's own error if larger: what float "
          + "rounding can explain. Finite differences: 1e-6. Exit code 1 names what failed."
    })
final class CheckCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--backend", paramLabel = "scalar|vector", defaultValue = "scalar",
      description = "Generated code backend to check (default: ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--interpret", description = "Run the same checks on the reference "
      + "interpreter, in place of the generated class.")
  boolean interpret;

  @Option(names = "--batch", paramLabel = "B", defaultValue = "4",
      description = "Random examples per check (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the random parameters and inputs (default: ${DEFAULT-VALUE}).")
  long seed;

  private final BiFunction<Network, CodegenPolicy.Backend, Object> classes;

  /** The command as picocli creates it: checks the classes netc generates. */
  CheckCommand() {
    this(Backends::instantiate);
  }

  /** Checks the instances {@code classes} makes (tests pass one that injects a wrong gradient). */
  CheckCommand(BiFunction<Network, CodegenPolicy.Backend, Object> classes) {
    this.classes = classes;
  }

  @Override
  public Integer call() {
    if (batch < 1 || batch > 4096) {
      throw new UserException("--batch must be between 1 and 4096, not " + batch);
    }
    CodegenPolicy.Backend kind = Backends.parse(backend);
    PrintWriter out = spec.commandLine().getOut();
    StringBuilder failed = new StringBuilder();
    for (Network net : model.loadAll(spec.commandLine().getErr())) {
      if (net.loss().isEmpty()) {
        out.println(net.name() + ": no loss, nothing to check (inference only)");
        continue;
      }
      // --interpret: the interpreter stands in for the generated class (float and double).
      BiFunction<Network, CodegenPolicy.Backend, Object> checked =
          interpret ? (n, b) -> new Interpreter(n) : classes;
      GradientCheck check = new GradientCheck(net, checked, kind, batch, seed);
      for (String tensor : check.run(out)) {
        failed.append(failed.length() == 0 ? "" : ", ").append(tensor);
      }
    }
    if (failed.length() > 0) {
      throw new UserException(String.format(Locale.ROOT, "gradient check failed for %s: the "
          + "error exceeds what rounding can explain (this is a netc bug: please report it "
          + "with the .net file)", failed));
    }
    return 0;
  }
}
