package dev.netc.cli;

import dev.netc.codegen.CodegenPolicy;
import dev.netc.ir.Network;
import picocli.CommandLine.Option;

/** {@code --interpret} and {@code --backend}: what runs the network. */
final class EngineOptions {
  @Option(names = "--interpret", description = "Run on the reference interpreter.")
  boolean interpret;

  @Option(names = "--backend", paramLabel = "auto|scalar|vector", defaultValue = "auto",
      description = "Generated code backend (default: ${DEFAULT-VALUE}: vector when the JVM has "
          + "jdk.incubator.vector, which bin/netc adds for train, eval and predict, else "
          + "scalar).")
  String backend;

  /** The parsed backend ({@code auto} resolved for this JVM), or a user error for a bad name. */
  CodegenPolicy.Backend backend() {
    if (backend.equalsIgnoreCase("auto")) {
      return Backends.vectorModuleLoaded() ? CodegenPolicy.Backend.VECTOR
          : CodegenPolicy.Backend.SCALAR;
    }
    return Backends.parse(backend);
  }

  /** An engine for {@code net}: the interpreter, or its generated class compiled in memory. */
  Engine create(Network net) {
    return Backends.create(net, interpret, backend());
  }
}
