package dev.netc.cli;

import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.Dtype;
import dev.netc.runtime.io.Safetensors;
import dev.netc.runtime.io.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netc grad}: the gradient of the loss over a dataset, written as safetensors. */
@Command(
    name = "grad",
    mixinStandardHelpOptions = true,
    description = "Writes d(loss)/d(parameters) over all rows of the data (network reduction) "
        + "as safetensors: NAME.weight [out,in], NAME.bias [out] and the scalar 'loss'.")
final class GradCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--params", paramLabel = "FILE",
      description = "Parameters (safetensors; default: the seeded initialization).")
  Path params;

  @Mixin DataOptions data;

  @Option(names = "--out", required = true, paramLabel = "FILE",
      description = "Where to write the gradients (safetensors); missing parent directories "
          + "are created.")
  Path out;

  @Mixin EngineOptions engineOptions;

  @Override
  public Integer call() {
    Outputs.checkFile(out);
    Network net = model.load(spec.commandLine().getErr());
    Engine engine = engineOptions.create(net);
    engine.loss();
    if (params != null) {
      Backends.loadWeights(engine, params);
    }
    Dataset dataset = data.load(net, engine);
    double[] loss = new double[1];
    Map<String, Tensor> grads = engine.gradient(dataset, loss);
    Dtype dtype = net.precision() == Precision.FLOAT ? Dtype.F32 : Dtype.F64;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    grads.forEach((name, t) -> tensors.put(name, new Tensor(dtype, t.shape(), t.data())));
    tensors.put("loss", Tensor.scalar(dtype, loss[0]));
    try {
      Safetensors.write(out, tensors);
    } catch (IOException e) {
      throw new UserException("cannot write '" + out + "': " + ModelFile.describe(e));
    }
    spec.commandLine().getOut().printf(Locale.ROOT,
        "loss %.9g over %d examples (%s); wrote %d gradient tensors to %s%n", loss[0],
        dataset.count(), engine.backend, grads.size(), out);
    return 0;
  }
}
