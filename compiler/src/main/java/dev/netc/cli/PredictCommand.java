package dev.netc.cli;

import dev.netc.ir.Activation;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.io.AtomicFile;
import dev.netc.runtime.io.Dataset;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netc predict}: the outputs of trained weights for every example, as CSV. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = "Writes one CSV row of outputs per example: for softmax outputs the predicted "
        + "class index, then the probabilities. CSV input rows hold the inputs (any target "
        + "columns after them are ignored).")
final class PredictCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--params", required = true, paramLabel = "FILE",
      description = "Trained weights (safetensors).")
  Path params;

  @Mixin DataOptions data;

  @Mixin EngineOptions engineOptions;

  @Option(names = {"-o", "--out"}, paramLabel = "FILE",
      description = "Where to write the predictions, atomically (default: standard output). "
          + "Missing parent directories are created.")
  Path out;

  @Override
  public Integer call() {
    if (out != null) {
      Outputs.checkFile(out);
    }
    Network net = model.load(spec.commandLine().getErr());
    try (Engine engine = engineOptions.create(net)) {
      Backends.loadWeights(engine, params);
      Dataset dataset = DataFiles.loadInputs(data.data, data.labels, data.header, net,
          engine.dataType());
      double[] outputs = engine.predictAll(dataset);
      boolean classes = net.outputLayer().activation() instanceof Activation.Softmax;
      boolean floats = net.precision() == Precision.FLOAT;
      if (out == null) {
        PrintWriter w = spec.commandLine().getOut();
        write(w, outputs, net.outputSize(), classes, floats);
        w.flush();
        return 0;
      }
      AtomicFile.write(out, (OutputStream stream) -> {
        Writer w = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
        write(w, outputs, net.outputSize(), classes, floats);
        w.flush();
      });
      return 0;
    } catch (IOException e) {
      throw new UserException("cannot write '" + out + "': " + ModelFile.describe(e));
    }
  }

  /** Rows of {@code width} outputs, preceded by the argmax for classifiers. */
  static void write(Writer w, double[] outputs, int width, boolean classes, boolean floats)
      throws IOException {
    StringBuilder line = new StringBuilder();
    for (int row = 0; row < outputs.length / width; row++) {
      line.setLength(0);
      if (classes) {
        line.append(dev.netc.runtime.train.Accuracy.argmax(outputs, row * width, width))
            .append(',');
      }
      for (int j = 0; j < width; j++) {
        double v = outputs[row * width + j];
        line.append(j > 0 ? "," : "").append(floats ? Float.toString((float) v)
            : Double.toString(v));
      }
      w.write(line.append('\n').toString());
    }
  }
}
