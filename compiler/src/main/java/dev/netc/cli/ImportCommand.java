package dev.netc.cli;

import dev.netc.ir.Dense;
import dev.netc.onnx.OnnxException;
import dev.netc.onnx.OnnxFiles;
import dev.netc.onnx.OnnxImport;
import dev.netc.runtime.io.AtomicFile;
import dev.netc.runtime.io.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code netc import MODEL.onnx}: an ONNX model as a {@code .net} file and safetensors weights. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = "Writes an ONNX model (e.g. from torch.onnx.export) as an equivalent .net file "
        + "and its weights (safetensors, netc's names and PyTorch's layouts).")
final class ImportCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model.")
  Path onnx;

  @Option(names = {"-o", "--output"}, paramLabel = "MODEL.net",
      description = "The .net file to write (default: MODEL.net beside MODEL.onnx).")
  Path output;

  @Option(names = "--weights", paramLabel = "W.safetensors",
      description = "The weights file to write (default: the .net file's name with "
          + ".safetensors).")
  Path weights;

  @Option(names = "--name", paramLabel = "NAME",
      description = "The network's name (default: from the file name, e.g. my-mlp.onnx → MyMlp).")
  String name;

  @Option(names = "--precision", paramLabel = "float|double",
      description = "The network's precision (default: the model's input type).")
  String precision;

  @Option(names = "--loss", paramLabel = "LOSS",
      description = "Adds a loss statement, e.g. cross_entropy, to make the network trainable.")
  String loss;

  @Option(names = "--optimizer", paramLabel = "OPTIMIZER",
      description = "Adds an optimizer statement, e.g. 'sgd(lr = 0.01)'.")
  String optimizer;

  @Override
  public Integer call() {
    Path net = output != null ? output : sibling(onnx, ".net");
    Path weightsFile = weights != null ? weights : sibling(net, ".safetensors");
    Outputs.checkFile(net);
    Outputs.checkFile(weightsFile);
    OnnxImport.Result result;
    try {
      byte[] bytes = OnnxFiles.readBytes(onnx);
      result = OnnxImport.run(bytes, onnx.getFileName().toString(), net.toString(),
          new OnnxImport.Options(name, precision, loss, optimizer));
    } catch (NoSuchFileException e) {
      throw new UserException("cannot read '" + onnx + "': no such file");
    } catch (IOException e) {
      throw new UserException("cannot read '" + onnx + "': " + ModelFile.describe(e));
    } catch (OnnxException e) {
      throw new UserException(onnx + ": " + e.getMessage());
    }
    Path current = weightsFile;
    try {
      Safetensors.write(weightsFile, result.weights());
      current = net;
      AtomicFile.write(net, result.netSource().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UserException("cannot write '" + current + "': " + ModelFile.describe(e));
    }
    for (String note : result.notes()) {
      spec.commandLine().getErr().println("netc: note: " + note);
    }
    int layers = result.network().layers().size();
    boolean dense = result.network().layers().stream().allMatch(l -> l instanceof Dense);
    spec.commandLine().getOut().println("wrote " + net + " (network " + result.network().name()
        + ", " + layers + (dense ? " dense" : "") + (layers == 1 ? " layer, " : " layers, ")
        + result.network().parameterCount() + " parameters) and " + weightsFile);
    return 0;
  }

  /** {@code file} with its extension replaced, in the same folder. */
  private static Path sibling(Path file, String extension) {
    String stem = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
    return file.resolveSibling(stem + extension);
  }
}
