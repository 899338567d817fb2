package dev.netc.cli;

import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netc dot MODEL.net}: the network as a Graphviz graph. */
@Command(
    name = "dot",
    mixinStandardHelpOptions = true,
    description = "Prints the network as a Graphviz DOT graph on stdout; with --svg FILE it "
        + "writes only the SVG, rendered with Graphviz's 'dot', instead.")
final class DotCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = "--svg", paramLabel = "FILE",
      description = "Write the graph as an SVG to FILE instead of printing DOT (needs Graphviz's "
          + "'dot' program).")
  Path svg;

  @Override
  public Integer call() {
    Network net = model.load(spec.commandLine().getErr());
    String dot = toDot(net);
    if (svg == null) {
      spec.commandLine().getOut().print(dot);
    } else {
      render(dot, svg);
      spec.commandLine().getOut().println("wrote " + svg);
    }
    return 0;
  }

  /**
   * The DOT text: one node per layer (kind, sizes, activation, output shape, parameter shapes),
   * left to right, each edge labelled with the shape it carries.
   */
  static String toDot(Network net) {
    StringBuilder sb = new StringBuilder();
    sb.append("digraph ").append(quote(net.name())).append(" {\n");
    sb.append("  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    sb.append("  input [label=\"input\\n").append(net.input().describe()).append("\"];\n");
    String previous = "input";
    for (Layer l : net.layers()) {
      String id = "layer" + (l.index() + 1);
      sb.append("  ").append(id).append(" [label=").append(quote(l.name() + "\n" + kind(l)
          + "\nout " + l.outputShape().describe() + weights(l))).append("];\n");
      sb.append("  ").append(previous).append(" -> ").append(id)
          .append(" [label=\"").append(l.inputShape().describe()).append("\"];\n");
      previous = id;
    }
    net.loss().ifPresent(loss -> sb.append("  loss [shape=ellipse, label=")
        .append(quote(loss.describe() + "\n" + net.optimizer().describe())).append("];\n"));
    if (net.loss().isPresent()) {
      sb.append("  ").append(previous).append(" -> loss [style=dashed];\n");
    }
    sb.append("}\n");
    return sb.toString();
  }

  /** The layer's kind and sizes, e.g. {@code dense 4 tanh} or {@code maxpool 16x28x28 -> …}. */
  private static String kind(Layer l) {
    if (l instanceof Dense) {
      return "dense " + l.outSize() + " " + l.activation().describe();
    }
    String text = l.describe();
    return l.weightCount() > 0 ? text + ", " + l.activation().describe() : text;
  }

  /** The parameter tensors' shapes, e.g. {@code weight [1 x 4], bias [1]}, if any. */
  private static String weights(Layer l) {
    StringBuilder sb = new StringBuilder();
    for (TensorSpec t : l.parameters(0)) {
      sb.append(sb.length() == 0 ? "\n" : ", ").append(t.name().substring(l.name().length() + 1))
          .append(" [").append(Arrays.stream(t.shape()).mapToObj(Integer::toString)
              .collect(Collectors.joining(" x "))).append(']');
    }
    return sb.toString();
  }

  /** A DOT string literal; newlines become DOT's centred line breaks. */
  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  private static void render(String dot, Path target) {
    try {
      Path temp = Files.createTempFile("netc", ".svg");
      try {
        Process p = new ProcessBuilder("dot", "-Tsvg", "-o", temp.toString())
            .redirectErrorStream(true).start();
        p.getOutputStream().write(dot.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new UserException("graphviz 'dot' failed: " + output.strip());
        }
        AtomicFile.write(target, Files.readAllBytes(temp));
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UserException("cannot render the SVG with Graphviz 'dot' (is it installed? "
          + "apt-get install graphviz): " + ModelFile.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserException("interrupted while rendering the SVG");
    }
  }
}
