package dev.netc.onnx;

import dev.netc.check.Names;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Writes an imported model as {@code .net} text, naming the network and its layers. */
final class NetSource {
  /** The words of the {@code .net} language that cannot name a layer. */
  private static final Set<String> RESERVED = Set.of(
      "network", "input", "dense", "as", "loss", "optimizer", "init", "precision");

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
    sb.append("  input ").append(model.inputSize()).append('\n');
    List<String> names = layerNames(model.layers());
    for (int i = 0; i < model.layers().size(); i++) {
      ImportedModel.Layer l = model.layers().get(i);
      sb.append("  dense ").append(l.out()).append(' ').append(l.activation()).append(" as ")
          .append(names.get(i)).append('\n');
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
   * {@code fc1}), else netc's defaults {@code denseK}; all defaults if the two would clash.
   */
  static List<String> layerNames(List<ImportedModel.Layer> layers) {
    List<String> names = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    boolean clash = false;
    for (int i = 0; i < layers.size(); i++) {
      String source = layers.get(i).weightSource();
      String candidate = source.endsWith(".weight")
          ? source.substring(0, source.length() - ".weight".length()) : "";
      String name = isLayerName(candidate) ? candidate : "dense" + (i + 1);
      clash |= !seen.add(name.toLowerCase(Locale.ROOT));
      names.add(name);
    }
    if (clash) {
      names.clear();
      for (int i = 0; i < layers.size(); i++) {
        names.add("dense" + (i + 1));
      }
    }
    return names;
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
