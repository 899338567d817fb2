package dev.netc.ir;

import dev.netc.runtime.TensorSpec;
import java.util.Arrays;

/**
 * A deterministic text dump of a network, every field included, for golden tests and for people
 * who want to see what the front end understood.
 */
public final class IrPrinter {
  private IrPrinter() {}

  /** The dump of one network; the same network always gives the same text. */
  public static String print(Network n) {
    StringBuilder sb = new StringBuilder();
    sb.append("network ").append(n.name()).append('\n');
    line(sb, "source", n.sourceFile());
    line(sb, "precision", n.precision().javaType());
    line(sb, "input", n.input().describe());
    line(sb, "output", Integer.toString(n.outputSize()));
    line(sb, "loss", n.loss().map(Loss::describe).orElse("none (inference only)"));
    line(sb, "target width", Integer.toString(n.targetWidth()));
    line(sb, "optimizer", n.optimizer().describe());
    line(sb, "seed", Long.toString(n.seed()));
    sb.append("  layers:\n");
    for (Layer l : n.layers()) {
      sb.append("    ").append(l.index()).append(' ').append(l.name()).append(": ")
          .append(l.describe());
      if (l.weightCount() > 0) {
        sb.append(", ").append(l.activation().describe()).append(", init ")
            .append(l.init().describe());
      }
      sb.append('\n');
    }
    line(sb, "parameters", Integer.toString(n.parameterCount()));
    for (TensorSpec t : n.parameterLayout()) {
      sb.append("    ").append(t.name()).append(' ').append(Arrays.toString(t.shape()))
          .append(" at ").append(t.offset()).append(" size ").append(t.size()).append('\n');
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, String key, String value) {
    sb.append("  ").append(key).append(": ").append(value).append('\n');
  }
}
