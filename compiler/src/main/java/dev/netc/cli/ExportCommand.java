package dev.netc.cli;

import dev.netc.ir.Network;
import dev.netc.onnx.IrView;
import dev.netc.onnx.OnnxExport;
import dev.netc.onnx.OnnxFiles;
import dev.netc.runtime.io.AtomicFile;
import dev.netc.runtime.io.Safetensors;
import dev.netc.runtime.io.SafetensorsException;
import dev.netc.runtime.io.Tensor;
import dev.netc.runtime.io.Weights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netc export MODEL.net --params W.safetensors -o MODEL.onnx}: the network as ONNX. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Writes a network and its trained parameters as an ONNX model (input 'input', "
        + "output 'output', batch dimension 'batch') that ONNX Runtime and other tools run.")
final class ExportCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--params", required = true, paramLabel = "W.safetensors",
      description = "The parameters (safetensors, e.g. from netc train).")
  Path params;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "MODEL.onnx",
      description = "The ONNX file to write.")
  Path output;

  @Option(names = "--opset", paramLabel = "N", defaultValue = "17",
      description = "The ONNX opset version, 9 to 21 (default: ${DEFAULT-VALUE}).")
  int opset;

  @Override
  public Integer call() {
    if (opset < OnnxFiles.MIN_OPSET || opset > OnnxFiles.MAX_OPSET) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--opset " + opset
          + " is outside " + OnnxFiles.MIN_OPSET + " to " + OnnxFiles.MAX_OPSET);
    }
    Outputs.checkFile(output);
    Network net = model.load(spec.commandLine().getErr());
    IrView view = IrView.of(net);
    double[] flat = readParameters(view);
    byte[] bytes = OnnxExport.export(view, flat, opset);
    try {
      AtomicFile.write(output, bytes);
    } catch (IOException e) {
      throw new UserException("cannot write '" + output + "': " + ModelFile.describe(e));
    }
    spec.commandLine().getOut().println("wrote " + output + " (network " + net.name()
        + ", opset " + opset + ", " + bytes.length + " bytes)");
    return 0;
  }

  private double[] readParameters(IrView view) {
    try {
      Map<String, Tensor> tensors = Safetensors.read(params);
      if (!view.isDouble()) {
        float[] f = Weights.floats(tensors, view.parameters(), params.toString());
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
          d[i] = f[i];
        }
        return d;
      }
      return Weights.doubles(tensors, view.parameters(), params.toString());
    } catch (SafetensorsException e) {
      throw new UserException(e.getMessage());
    } catch (IOException e) {
      throw new UserException("cannot read '" + params + "': " + ModelFile.describe(e));
    }
  }
}
