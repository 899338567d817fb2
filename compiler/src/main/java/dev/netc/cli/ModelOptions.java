package dev.netc.cli;

import dev.netc.ir.Network;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code MODEL.net} argument and {@code --network NAME}, shared by every command. */
final class ModelOptions {
  @Parameters(index = "0", paramLabel = "MODEL.net", description = "The network description.")
  Path model;

  @Option(names = "--network", paramLabel = "NAME",
      description = "The network to use when the file holds several.")
  String network;

  /** The one network the command acts on; diagnostics go to {@code err}. */
  Network load(PrintWriter err) {
    return ModelFile.load(model, err).select(network);
  }

  /** The networks the command acts on: the one named, or all in the file. */
  List<Network> loadAll(PrintWriter err) {
    return ModelFile.load(model, err).selectAll(network);
  }
}
