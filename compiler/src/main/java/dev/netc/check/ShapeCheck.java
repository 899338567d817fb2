package dev.netc.check;

import dev.netc.ast.Pos;
import dev.netc.diag.Reporter;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Follows the input shape through the layers of a network: each layer must take its input (a
 * window that fits, an image where one is needed), and what the network computes must stay
 * within the resource limits. Every layer whose input is known is checked: after a mistake the
 * walk resumes at the next dense layer, whose output does not depend on its input.
 */
final class ShapeCheck {
  /**
   * The most values one example may carry into or out of a layer: 2^22 (16 MiB as float), e.g.
   * 512×64×128. The interpreter and generated code keep a few arrays of that size per layer.
   */
  static final long MAX_VALUES = 1L << 22;
  /** The largest parameter count of one network: 2^28, i.e. 1 GiB of floats. */
  static final long MAX_PARAMETERS = 1L << 28;

  private ShapeCheck() {}

  /**
   * The input shape of every layer, or empty if a layer is invalid or does not fit (reported
   * here; invalid layers were reported by {@link LayerStatements}).
   */
  static Optional<List<Shape>> walk(Shape input, List<LayerInfo> layers, Reporter reporter) {
    List<Shape> inputs = new ArrayList<>();
    Optional<Shape> shape = Optional.of(input);
    boolean complete = true;
    for (LayerInfo l : layers) {
      Optional<Shape> in = shape;
      shape = Optional.empty();
      if (in.isPresent() && l.spec().isPresent()) {
        inputs.add(in.get());
        shape = fit(l, l.spec().get(), in.get(), reporter);
      }
      complete &= shape.isPresent();
      // A dense layer's output is known whatever its input: the walk goes on from there.
      if (shape.isEmpty() && l.spec().isPresent()
          && l.spec().get() instanceof LayerSpec.DenseSpec d) {
        shape = Optional.of(Shape.vector(d.size()));
      }
    }
    return complete ? Optional.of(List.copyOf(inputs)) : Optional.empty();
  }

  /** The output of layer {@code l} on {@code in}, or empty after reporting why it does not fit. */
  private static Optional<Shape> fit(LayerInfo l, LayerSpec spec, Shape in, Reporter reporter) {
    Optional<String> problem = spec.problem(in);
    Pos at = l.statement().pos();
    if (problem.isPresent()) {
      error(reporter, at, l.statement().keyword() + " " + problem.get());
      return Optional.empty();
    }
    long values = spec.outputValues(in);
    if (values > MAX_VALUES) {
      error(reporter, at, "layer '" + l.name() + "' outputs " + values
          + " values per example; the limit is " + MAX_VALUES);
      return Optional.empty();
    }
    return Optional.of(spec.output(in));
  }

  /** The parameter count on {@code inputs} of a walk that completed. */
  static long parameters(List<LayerInfo> layers, List<Shape> inputs) {
    long total = 0;
    for (int i = 0; i < layers.size(); i++) {
      total += layers.get(i).spec().orElseThrow().parameters(inputs.get(i));
    }
    return total;
  }

  /** Reports a network over {@link #MAX_PARAMETERS}, with its size in memory. */
  static void reportParameters(String name, Pos namePos, long total, Precision p,
      Reporter reporter) {
    double gib = total * (p == Precision.FLOAT ? 4.0 : 8.0) / (1L << 30);
    error(reporter, namePos, String.format(Locale.ROOT,
        "network '%s' needs %d parameters (%.1f GiB as %s); the limit is %d",
        name, total, gib, p.javaType(), MAX_PARAMETERS));
  }

  private static void error(Reporter reporter, Pos p, String message) {
    reporter.error(p.line(), p.column(), p.length(), message);
  }
}
