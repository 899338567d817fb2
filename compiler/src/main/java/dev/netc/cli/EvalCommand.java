package dev.netc.cli;

import dev.netc.ir.Network;
import dev.netc.runtime.io.Dataset;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code netc eval}: loss, accuracy and confusion matrix of trained weights on a dataset. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Evaluates weights on data: loss, accuracy (classification) and a confusion "
        + "matrix for softmax outputs.")
final class EvalCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL.net")
  Path model;

  @Option(names = "--network", paramLabel = "NAME", description = "The network (if several).")
  String network;

  @Option(names = "--params", required = true, paramLabel = "FILE",
      description = "Trained weights (safetensors).")
  Path params;

  @Option(names = "--data", required = true, paramLabel = "FILE",
      description = "Examples: CSV (inputs, then targets) or an IDX image file.")
  Path data;

  @Option(names = "--labels", paramLabel = "FILE", description = "IDX label file for --data.")
  Path labels;

  @Option(names = "--header", description = "The CSV file starts with a header line to skip.")
  boolean header;

  @Option(names = "--interpret", description = "Evaluate with the reference interpreter.")
  boolean interpret;

  @Override
  public Integer call() {
    Network net = ModelFile.load(model, spec.commandLine().getErr()).select(network);
    Engine engine = Backends.create(net, interpret);
    engine.loss();
    Backends.loadWeights(engine, params);
    Dataset dataset = DataFiles.load(data, labels, header, net, engine.dataType());
    Metrics m = Metrics.of(engine, dataset);
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "examples  %d%n", dataset.count());
    out.printf(Locale.ROOT, "loss      %.6f (%s)%n", m.loss(),
        net.loss().orElseThrow().describe());
    if (m.hasAccuracy()) {
      out.printf(Locale.ROOT, "accuracy  %.2f%%%n", 100 * m.accuracy());
    }
    if (m.confusion() != null) {
      out.print(m.confusionTable());
    }
    return 0;
  }
}
