package dev.netc.cli;

import dev.netc.ir.Network;
import dev.netc.runtime.io.Dataset;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data}, {@code --labels} and {@code --header}: the examples a command reads. */
final class DataOptions {
  @Option(names = "--data", required = true, paramLabel = "FILE",
      description = "Examples: CSV (inputs, then targets) or an IDX image file (.gz or plain).")
  Path data;

  @Option(names = "--labels", paramLabel = "FILE",
      description = "IDX label file for --data (default: derived from the image file name).")
  Path labels;

  @Option(names = "--header", description = "CSV files start with a header line to skip.")
  boolean header;

  /** Reads the data for {@code net} in the engine's element type. */
  Dataset load(Network net, Engine engine) {
    return DataFiles.load(data, labels, header, net, engine.dataType());
  }
}
