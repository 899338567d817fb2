package dev.netc.cli;

import dev.netc.codegen.CodegenPolicy;
import dev.netc.ir.Network;
import picocli.CommandLine.Option;

/** {@code --interpret} and {@code --backend}: what runs the network. */
final class EngineOptions {
  @Option(names = "--interpret", description = "Run on the reference interpreter.")
  boolean interpret;

  @Option(names = "--backend", paramLabel = "scalar|vector", defaultValue = "scalar",
      description = "Generated code backend (default: ${DEFAULT-VALUE}); vector uses "
          + "jdk.incubator.vector.")
  String backend;

  /** The parsed backend, or a user error for an unknown name. */
  CodegenPolicy.Backend backend() {
    return Backends.parse(backend);
  }

  /** An engine for {@code net}: the interpreter, or its generated class compiled in memory. */
  Engine create(Network net) {
    return Backends.create(net, interpret, backend());
  }
}
