package dev.netc.onnx;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.check.Names;
import dev.netc.diag.Diagnostic;
import dev.netc.ir.Network;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.io.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code netc import}: an ONNX model in, an equivalent {@code .net} file and its weights (netc's
 * names, PyTorch's layouts) out. The text goes through the front end, so what is written is
 * exactly what netc compiles.
 */
public final class OnnxImport {
  private OnnxImport() {}

  /**
   * What the user may choose; null means "from the model".
   *
   * @param name the network's name (default: the network's name in a model netc exported, else
   *     from the ONNX file's name)
   * @param precision {@code float} or {@code double} (default: the model's input type)
   * @param loss the argument of a {@code loss} statement (default: none, or the one netc export
   *     recorded)
   * @param optimizer the argument of an {@code optimizer} statement (likewise)
   */
  public record Options(String name, String precision, String loss, String optimizer) {
    /** No choices: everything from the model. */
    public static Options defaults() {
      return new Options(null, null, null, null);
    }
  }

  /**
   * The import's result.
   *
   * @param netSource the {@code .net} file's text
   * @param network that text compiled by the front end
   * @param weights the parameters in netc's names and shapes, F32 or F64 after the precision
   * @param notes what the user should know about the mapping
   */
  public record Result(String netSource, Network network, Map<String, Tensor> weights,
      List<String> notes) {}

  /**
   * Imports a model.
   *
   * @param bytes the {@code .onnx} file's content
   * @param onnxName the ONNX file's name, for the header comment and the default network name
   * @param netName the {@code .net} file's name, recorded in the network
   */
  public static Result run(byte[] bytes, String onnxName, String netName, Options options)
      throws OnnxException {
    ImportedModel model = GraphImporter.run(OnnxFiles.parse(bytes));
    String name = options.name() != null ? options.name()
        : !model.graphName().isEmpty() ? model.graphName() : NetSource.networkName(onnxName);
    if (Names.networkNameProblem(name).isPresent()) {
      throw new OnnxException("'" + Text.oneLine(name) + "' "
          + (name.isEmpty() ? "(from the file name) is empty" : Names.networkNameProblem(name)
          .get()) + " and cannot name the network; choose a name with --name");
    }
    String precision = options.precision() != null ? options.precision()
        : model.isDouble() ? "double" : "float";
    if (!precision.equals("float") && !precision.equals("double")) {
      throw new OnnxException("precision '" + Text.oneLine(precision) + "' is neither float nor"
          + " double");
    }
    String loss = choose("--loss", options.loss(), model.metadata().get(OnnxExport.LOSS_KEY));
    String optimizer = choose("--optimizer", options.optimizer(),
        model.metadata().get(OnnxExport.OPTIMIZER_KEY));
    String text = NetSource.write(model, onnxName, name, precision, loss, optimizer);
    Network network = compile(netName, text);
    return new Result(text, network, weights(model, network, precision.equals("double")),
        model.notes());
  }

  /** The user's choice, else a well-formed value from the model's metadata, else none. */
  private static String choose(String option, String chosen, String fromModel)
      throws OnnxException {
    if (chosen != null) {
      if (!NetSource.isCall(chosen.trim())) {
        throw new OnnxException(option + " '" + Text.oneLine(chosen) + "' is not a name with "
            + "optional options, e.g. sgd(lr = 0.01)");
      }
      return chosen.trim();
    }
    return fromModel != null && NetSource.isCall(fromModel) ? fromModel : null;
  }

  private static Network compile(String netName, String text) throws OnnxException {
    FrontendResult result = Frontend.compile(netName, text);
    if (result.hasErrors() || result.networks().size() != 1) {
      String problems = result.diagnostics().stream()
          .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
          .map(Diagnostic::message)
          .collect(Collectors.joining("; "));
      throw new OnnxException("the imported network is not a valid netc network: " + problems);
    }
    return result.networks().get(0);
  }

  /** The weights in the compiled network's names and shapes ([out, in] or [out, in, KH, KW]). */
  private static Map<String, Tensor> weights(ImportedModel model, Network network,
      boolean isDouble) throws OnnxException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < model.layers().size(); i++) {
      if (model.layers().get(i) instanceof ImportedModel.WithWeights l) {
        List<TensorSpec> specs = network.layers().get(i).parameters(0);
        out.put(specs.get(0).name(), tensor(specs.get(0), l.weight(), isDouble));
        out.put(specs.get(1).name(), tensor(specs.get(1), l.bias(), isDouble));
      }
    }
    return out;
  }

  private static Tensor tensor(TensorSpec spec, double[] values, boolean isDouble)
      throws OnnxException {
    String name = spec.name();
    int[] shape = spec.shape();
    float[] floats = isDouble ? null : new float[values.length];
    for (int i = 0; i < values.length; i++) {
      double v = isDouble ? values[i] : (float) values[i];
      if (!Double.isFinite(v)) {
        throw new OnnxException("parameter '" + name + "' has the value " + values[i]
            + " at index " + i + (Double.isFinite(values[i]) ? ", out of float range" : "")
            + "; netc needs finite parameters");
      }
      if (floats != null) {
        floats[i] = (float) v;
      }
    }
    return isDouble ? Tensor.ofDoubles(shape, values.clone()) : Tensor.ofFloats(shape, floats);
  }
}
