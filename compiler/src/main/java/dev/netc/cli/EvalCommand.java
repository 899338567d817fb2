package dev.netc.cli;

import dev.netc.ir.Network;
import dev.netc.runtime.io.Dataset;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netc eval}: loss, accuracy and confusion matrix of trained weights on a dataset. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Evaluates weights on data: loss, accuracy (classification) and a confusion "
        + "matrix for softmax outputs.")
final class EvalCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--params", required = true, paramLabel = "FILE",
      description = "Trained weights (safetensors).")
  Path params;

  @Mixin DataOptions data;

  @Mixin EngineOptions engineOptions;

  @Override
  public Integer call() {
    Network net = model.load(spec.commandLine().getErr());
    Engine engine = engineOptions.create(net);
    engine.loss();
    Backends.loadWeights(engine, params);
    Dataset dataset = data.load(net, engine);
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
