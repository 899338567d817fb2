package dev.netc.onnx;

import dev.netc.check.Names;
import dev.netc.ir.Window;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Writes an imported model as {@code .net} text, naming the network and its layers. */
final class NetSource {
  /** The words of the {@code .net} language that cannot name a layer. */
  private static final Set<String> RESERVED = Set.of(
      "network", "input", "dense", "as", "loss", "optimizer", "init", "precision", "conv2d",
      "maxpool", "avgpool", "flatten");

  /**
   * A {@code --loss} or {@code --optimizer} value, or one from a model's metadata: a word with
   * optional parenthesized options on one line. Anything else could add statements to the file.
   */
  private static final Pattern CALL =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\s*\\([A-Za-z0-9_ =.,+\\-]*\\))?");

  private NetSource() {}

  /** True when {@code text} is safe to write after {@code loss} or {@code optimizer}. */
  static boolean isCall(String text) {
    return CALL.matcher(text).matches();
  }

  /**
   * The {@code .net} text of {@code model}.
   *
   * @param source the ONNX file's name, for the header comment
   * @param loss the loss statement's argument, or null for none
   * @param optimizer the optimizer statement's argument, or null for none
   */
  static String write(ImportedModel model, String source, String name, String precision,
      String loss, String optimizer) {
    StringBuilder sb = new StringBuilder();
    sb.append("// Imported by netc import from ").append(Text.oneLine(source));
    if (!model.producer().isEmpty()) {
      sb.append(" (made by ").append(model.producer()).append(", opset ").append(model.opset())
          .append(')');
    }
    sb.append(".\n");
    comment(sb, "ONNX ops mapped: " + String.join(", ", model.opsMapped()) + ".");
    for (String note : model.notes()) {
      comment(sb, note + ".");
    }
    sb.append("network ").append(name).append(" {\n");
    sb.append("  input ").append(model.input().describe()).append('\n');
    List<String> names = layerNames(model.layers());
    for (int i = 0; i < model.layers().size(); i++) {
      ImportedModel.Layer l = model.layers().get(i);
      sb.append("  ").append(statement(l));
      if (l instanceof ImportedModel.WithWeights w) {
        sb.append(' ').append(w.activation()).append(" as ").append(names.get(i));
      }
      sb.append('\n');
    }
    if (loss != null) {
      sb.append("  loss ").append(loss).append('\n');
    }
    if (optimizer != null) {
      sb.append("  optimizer ").append(optimizer).append('\n');
    }
    sb.append("  precision ").append(precision).append('\n');
    sb.append("}\n");
    return sb.toString();
  }

  /**
   * A layer's statement without its activation and name, e.g. {@code conv2d 6 5x5 (stride = 2,
   * padding = 1)} or {@code maxpool 2x2}: one stride for both axes (a pool's is left out when it
   * is the kernel size, the default), one padding or {@code same}.
   */
  private static String statement(ImportedModel.Layer layer) {
    String keyword = keyword(layer);
    if (layer instanceof ImportedModel.Dense d) {
      return keyword + " " + d.out();
    } else if (layer instanceof ImportedModel.Conv c) {
      Window w = c.window();
      List<String> options = new ArrayList<>();
      if (w.strideHeight() != 1) {
        options.add("stride = " + w.strideHeight());
      }
      if (w.padHeight() != w.padWidth()) {
        options.add("padding = same");
      } else if (w.padHeight() != 0) {
        options.add("padding = " + w.padHeight());
      }
      return keyword + " " + c.out() + " " + w.kernelHeight() + "x" + w.kernelWidth()
          + (options.isEmpty() ? "" : " (" + String.join(", ", options) + ")");
    } else if (layer instanceof ImportedModel.Pool p) {
      Window w = p.window();
      boolean byKernel = w.strideHeight() == w.kernelHeight()
          && w.strideWidth() == w.kernelWidth();
      return keyword + " " + w.kernelHeight() + "x" + w.kernelWidth()
          + (byKernel ? "" : " (stride = " + w.strideHeight() + ")");
    }
    return keyword;
  }

  /** The {@code .net} keyword of a layer's kind. */
  static String keyword(ImportedModel.Layer layer) {
    if (layer instanceof ImportedModel.Dense) {
      return "dense";
    } else if (layer instanceof ImportedModel.Conv) {
      return "conv2d";
    } else if (layer instanceof ImportedModel.Pool p) {
      return p.max() ? "maxpool" : "avgpool";
    }
    return "flatten";
  }

  /** Appends {@code text} as {@code //} comment lines of at most about 100 columns. */
  private static void comment(StringBuilder sb, String text) {
    StringBuilder line = new StringBuilder("//");
    for (String word : text.split(" ")) {
      if (line.length() + word.length() > 96 && line.length() > 2) {
        sb.append(line).append('\n');
        line = new StringBuilder("//");
      }
      line.append(' ').append(word);
    }
    sb.append(line).append('\n');
  }

  /**
   * Layer names from the weights' names where they are valid ({@code fc1.weight} gives
   * {@code fc1}), else netc's defaults ({@code denseK}, {@code convK}, {@code maxpoolK}, …,
   * counting the layers of each kind); all defaults if the two would clash.
   */
  static List<String> layerNames(List<ImportedModel.Layer> layers) {
    List<String> defaults = new ArrayList<>();
    Map<String, Integer> counts = new HashMap<>();
    for (ImportedModel.Layer l : layers) {
      String prefix = l instanceof ImportedModel.Conv ? "conv" : keyword(l);
      defaults.add(prefix + counts.merge(prefix, 1, Integer::sum));
    }
    List<String> names = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    boolean clash = false;
    for (int i = 0; i < layers.size(); i++) {
      String candidate = layers.get(i) instanceof ImportedModel.WithWeights w
          && w.weightSource().endsWith(".weight") ? w.weightSource().substring(0,
              w.weightSource().length() - ".weight".length()) : "";
      String name = isLayerName(candidate) ? candidate : defaults.get(i);
      clash |= !seen.add(name.toLowerCase(Locale.ROOT));
      names.add(name);
    }
    return clash ? defaults : names;
  }

  private static boolean isLayerName(String s) {
    return !s.isEmpty() && Names.identifierProblem(s).isEmpty() && !RESERVED.contains(s);
  }

  /**
   * A network name from a file name: {@code view-flatten.onnx} gives {@code ViewFlatten}; empty
   * when nothing usable is left.
   */
  static String networkName(String fileName) {
    String stem = fileName.replaceFirst("\\.[^.]*$", "");
    StringBuilder sb = new StringBuilder();
    for (String part : stem.split("[^A-Za-z0-9]+")) {
      if (!part.isEmpty()) {
        sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    if (sb.length() > 0 && Character.isDigit(sb.charAt(0))) {
      sb.insert(0, "Net");
    }
    return sb.toString();
  }
}
