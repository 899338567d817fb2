package dev.netc.runtime.io;

import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads and saves the parameters of any generated network (or the interpreter) as safetensors,
 * with one tensor per {@link TensorSpec} of its {@code parameterLayout()}: {@code NAME.weight}
 * [out, in] and {@code NAME.bias} [out], as PyTorch's {@code state_dict} of {@code nn.Linear}
 * layers. A load either replaces all parameters or, on any error, none.
 */
public final class Weights {

  /** At most this many names are listed in one message. */
  private static final int MAX_LISTED = 8;

  private Weights() {}

  /** Loads {@code file} into {@code net}; F64 values are rounded to float. */
  public static void load(Path file, FloatNetwork net) throws IOException {
    net.setParameters(floats(Safetensors.read(file), net.parameterLayout(), file.toString()));
  }

  /** Loads {@code file} into {@code net}; F32 values are widened exactly. */
  public static void load(Path file, DoubleNetwork net) throws IOException {
    net.setParameters(doubles(Safetensors.read(file), net.parameterLayout(), file.toString()));
  }

  /** Loads a whole stream (not closed), named {@code source} in messages, into {@code net}. */
  public static void load(InputStream in, String source, FloatNetwork net) throws IOException {
    net.setParameters(floats(Safetensors.read(in, source), net.parameterLayout(), source));
  }

  /** Loads a whole stream (not closed), named {@code source} in messages, into {@code net}. */
  public static void load(InputStream in, String source, DoubleNetwork net) throws IOException {
    net.setParameters(doubles(Safetensors.read(in, source), net.parameterLayout(), source));
  }

  /** Atomically saves the parameters of {@code net} to {@code file} as F32 tensors. */
  public static void save(Path file, FloatNetwork net) throws IOException {
    Safetensors.write(file, tensors(net));
  }

  /** Atomically saves the parameters of {@code net} to {@code file} as F64 tensors. */
  public static void save(Path file, DoubleNetwork net) throws IOException {
    Safetensors.write(file, tensors(net));
  }

  /** The current parameters of {@code net} as F32 tensors, in layout order. */
  public static Map<String, Tensor> tensors(FloatNetwork net) {
    float[] flat = new float[net.parameterCount()];
    net.getParameters(flat);
    return tensors(net.parameterLayout(), flat);
  }

  /** The current parameters of {@code net} as F64 tensors, in layout order. */
  public static Map<String, Tensor> tensors(DoubleNetwork net) {
    double[] flat = new double[net.parameterCount()];
    net.getParameters(flat);
    return tensors(net.parameterLayout(), flat);
  }

  /** Splits a flat array laid out as {@code layout} (parameters, gradients) into F32 tensors. */
  public static Map<String, Tensor> tensors(List<TensorSpec> layout, float[] flat) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (TensorSpec spec : layout) {
      int from = spec.offset();
      out.put(spec.name(), Tensor.ofFloats(spec.shape(),
          Arrays.copyOfRange(flat, from, Math.addExact(from, spec.size()))));
    }
    return out;
  }

  /** Splits a flat array laid out as {@code layout} (parameters, gradients) into F64 tensors. */
  public static Map<String, Tensor> tensors(List<TensorSpec> layout, double[] flat) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (TensorSpec spec : layout) {
      int from = spec.offset();
      out.put(spec.name(), Tensor.ofDoubles(spec.shape(),
          Arrays.copyOfRange(flat, from, Math.addExact(from, spec.size()))));
    }
    return out;
  }

  /**
   * Joins {@code tensors} into a new flat float array laid out as {@code layout}, after checking
   * that every tensor is present with the right shape and that there is no other tensor.
   */
  public static float[] floats(Map<String, Tensor> tensors, List<TensorSpec> layout,
      String source) throws SafetensorsException {
    check(tensors, layout, source);
    float[] flat = new float[totalSize(layout)];
    for (TensorSpec spec : layout) {
      Tensor t = tensors.get(spec.name());
      t.copyTo(flat, spec.offset());
      for (int i = 0; i < t.size(); i++) {
        if (!Float.isFinite(flat[spec.offset() + i])) {
          throw new SafetensorsException(source, "tensor '" + spec.name() + "' has value "
              + t.get(i) + " at index " + Arrays.toString(SafetensorsReader.unravel(i,
              spec.shape())) + ", which is out of float range");
        }
      }
    }
    return flat;
  }

  /** Double version of {@link #floats}. */
  public static double[] doubles(Map<String, Tensor> tensors, List<TensorSpec> layout,
      String source) throws SafetensorsException {
    check(tensors, layout, source);
    double[] flat = new double[totalSize(layout)];
    for (TensorSpec spec : layout) {
      tensors.get(spec.name()).copyTo(flat, spec.offset());
    }
    return flat;
  }

  private static int totalSize(List<TensorSpec> layout) {
    int n = 0;
    for (TensorSpec spec : layout) {
      n = Math.max(n, Math.addExact(spec.offset(), spec.size()));
    }
    return n;
  }

  /** Reports all problems at once: missing tensors, unexpected ones and wrong shapes. */
  private static void check(Map<String, Tensor> tensors, List<TensorSpec> layout, String source)
      throws SafetensorsException {
    List<String> missing = new ArrayList<>();
    List<String> wrongShape = new ArrayList<>();
    Set<String> expected = new HashSet<>();
    for (TensorSpec spec : layout) {
      expected.add(spec.name());
      Tensor t = tensors.get(spec.name());
      if (t == null) {
        missing.add("'" + spec.name() + "'");
      } else if (!t.hasShape(spec.shape())) {
        wrongShape.add("'" + spec.name() + "' has shape " + Arrays.toString(t.shape())
            + " but the network expects " + Arrays.toString(spec.shape()));
      }
    }
    List<String> extra = new ArrayList<>();
    for (String name : tensors.keySet()) {
      if (!expected.contains(name)) {
        extra.add("'" + name + "'");
      }
    }
    List<String> problems = new ArrayList<>();
    if (!missing.isEmpty()) {
      problems.add("missing " + plural(missing.size()) + " " + list(missing));
    }
    if (!extra.isEmpty()) {
      problems.add("unexpected " + plural(extra.size()) + " " + list(extra));
    }
    if (!wrongShape.isEmpty()) {
      problems.add("tensor " + list(wrongShape));
    }
    if (!problems.isEmpty()) {
      throw new SafetensorsException(source, "does not match the network: "
          + String.join("; ", problems));
    }
  }

  private static String plural(int n) {
    return n == 1 ? "tensor" : "tensors";
  }

  private static String list(List<String> items) {
    if (items.size() <= MAX_LISTED) {
      return String.join(", ", items);
    }
    return String.join(", ", items.subList(0, MAX_LISTED))
        + " and " + (items.size() - MAX_LISTED) + " more";
  }
}
