package dev.netc.onnx;

import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph understood as a chain of netc layers, before it is written as a {@code .net} file
 * and weights.
 *
 * @param input the shape of one example's input: an image when the first layer is a convolution
 *     or pooling, else a vector
 * @param opsMapped the ONNX op types the graph used, in order of first use
 * @param notes what the user should know about the mapping (e.g. LogSoftmax became softmax)
 * @param metadata the model's metadata properties (netc export records loss and optimizer there)
 * @param producer the producing tool and its version, made safe for a comment
 */
record ImportedModel(
    Shape input,
    boolean isDouble,
    List<Layer> layers,
    Set<String> opsMapped,
    List<String> notes,
    Map<String, String> metadata,
    String producer,
    String graphName,
    int opset) {

  /** One layer, in netc's terms. */
  sealed interface Layer {}

  /**
   * A layer with a weight and a bias: weight [out, …] row-major as in PyTorch, bias [out], the
   * activation as {@code .net} text, and the name of the ONNX tensor its weight came from (for
   * its name).
   */
  sealed interface WithWeights extends Layer {
    String weightSource();

    double[] weight();

    double[] bias();

    String activation();
  }

  /** A dense layer: weight [out, in]. */
  record Dense(String weightSource, int out, double[] weight, double[] bias, String activation)
      implements WithWeights {}

  /** A conv2d layer: weight [out, in, KH, KW]; {@code window} has netc's stride and padding. */
  record Conv(String weightSource, int out, Window window, double[] weight, double[] bias,
      String activation) implements WithWeights {}

  /** A maxpool or avgpool layer. */
  record Pool(boolean max, Window window) implements Layer {}

  /** A flatten layer (an image becomes a vector). */
  record Flatten() implements Layer {}
}
