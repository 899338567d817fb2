package dev.netc.onnx;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph understood as a chain of dense layers, before it is written as a {@code .net}
 * file and weights.
 *
 * @param opsMapped the ONNX op types the graph used, in order of first use
 * @param notes what the user should know about the mapping (e.g. LogSoftmax became softmax)
 * @param metadata the model's metadata properties (netc export records loss and optimizer there)
 * @param producer the producing tool and its version, made safe for a comment
 */
record ImportedModel(
    int inputSize,
    boolean isDouble,
    List<Layer> layers,
    Set<String> opsMapped,
    List<String> notes,
    Map<String, String> metadata,
    String producer,
    String graphName,
    int opset) {

  /**
   * One dense layer: weight [out, in] row-major as in PyTorch, bias [out], the activation as
   * {@code .net} text, and the name of the ONNX tensor its weight came from (for its name).
   */
  record Layer(String weightSource, int in, int out, double[] weight, double[] bias,
      String activation) {}
}
