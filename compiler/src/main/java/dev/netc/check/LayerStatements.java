package dev.netc.check;

import dev.netc.ast.Call;
import dev.netc.ast.Dimensions;
import dev.netc.ast.Pos;
import dev.netc.ast.Statement;
import dev.netc.ast.Value;
import dev.netc.diag.Reporter;
import dev.netc.ir.Activation;
import dev.netc.ir.Shape;
import dev.netc.ir.Window;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Checks the values of the statements that add layers and of {@code input}, each on its own; how
 * the layers fit together is {@link ShapeCheck}'s job.
 */
final class LayerStatements {
  private static final List<String> KERNEL = List.of("kernel height", "kernel width");
  private static final List<String> IMAGE = List.of("input channels", "input height",
      "input width");

  private final Reporter reporter;
  private final Vocabulary vocabulary;
  private final Sizes sizes;

  LayerStatements(Reporter reporter, Vocabulary vocabulary) {
    this.reporter = reporter;
    this.vocabulary = vocabulary;
    this.sizes = new Sizes(reporter);
  }

  /** The input shape: {@code input N} or {@code input CxHxW}, when valid. */
  Optional<Shape> input(Statement.Input in) {
    if (in.shape().isPresent()) {
      Dimensions text = in.shape().get();
      Optional<int[]> d = sizes.dimensions(text, IMAGE, "an input size N or CxHxW such as "
          + "1x28x28");
      if (d.isEmpty()) {
        return Optional.empty();
      }
      long values = (long) d.get()[0] * d.get()[1] * d.get()[2];
      if (values > ShapeCheck.MAX_VALUES) {
        Pos p = text.pos();
        reporter.error(p.line(), p.column(), p.length(), "input " + text.text() + " has "
            + values + " values per example; the limit is " + ShapeCheck.MAX_VALUES);
        return Optional.empty();
      }
      return Optional.of(Shape.image(d.get()[0], d.get()[1], d.get()[2]));
    }
    OptionalInt n = sizes.size(in.size(), "input size");
    return n.isPresent() ? Optional.of(Shape.vector(n.getAsInt())) : Optional.empty();
  }

  /** Checks one layer statement; {@code number} counts the layers of its kind. */
  LayerInfo layer(Statement.Layer s, int number) {
    if (s instanceof Statement.Dense d) {
      OptionalInt size = sizes.size(d.size(), "layer size");
      Optional<Activation> a = d.activation().flatMap(vocabulary::activation);
      return info(s, number, a, size.isPresent()
          ? Optional.of(new LayerSpec.DenseSpec(size.getAsInt())) : Optional.empty());
    } else if (s instanceof Statement.Conv2d c) {
      return conv2d(c, number);
    } else if (s instanceof Statement.Pool p) {
      return info(s, number, Optional.of(new Activation.Identity()), pool(p));
    }
    return info(s, number, Optional.of(new Activation.Identity()),
        Optional.of(new LayerSpec.FlattenSpec()));
  }

  private LayerInfo conv2d(Statement.Conv2d c, int number) {
    OptionalInt channels = sizes.size(c.channels(), "output channels");
    Optional<int[]> kernel = kernel(c.kernel());
    Optional<Window> window = Optional.empty();
    Options o = options(c.options(), "conv2d", List.of("stride", "padding"));
    OptionalInt stride = stride(o);
    Optional<Padding> padding = padding(o);
    if (kernel.isPresent() && stride.isPresent() && padding.isPresent()) {
      window = padding.get().window(kernel.get(), stride.getAsInt(), c, reporter);
    }
    Optional<Activation> a = c.activation().flatMap(vocabulary::activation);
    if (a.isPresent() && !a.get().isElementwise()) {
      Pos at = c.activation().get().pos();
      reporter.error(at.line(), at.column(), at.length(), "conv2d cannot use " + a.get().keyword()
          + "; it is only allowed on the dense output layer");
      a = Optional.empty();
    }
    Optional<LayerSpec> spec = channels.isPresent() && window.isPresent()
        ? Optional.of(new LayerSpec.Conv2dSpec(channels.getAsInt(), window.get()))
        : Optional.empty();
    return info(c, number, a, spec);
  }

  private Optional<LayerSpec> pool(Statement.Pool p) {
    Optional<int[]> kernel = kernel(p.window());
    Options o = options(p.options(), p.keyword(), List.of("stride"));
    if (kernel.isEmpty()) {
      return Optional.empty();
    }
    int[] k = kernel.get();
    Window w;
    if (o.has("stride")) {
      OptionalInt stride = stride(o);
      if (stride.isEmpty()) {
        return Optional.empty();
      }
      w = Window.unpadded(k[0], k[1], stride.getAsInt(), stride.getAsInt());
    } else {
      // nn.MaxPool2d's default: the stride is the kernel size, along each axis.
      w = Window.unpadded(k[0], k[1], k[0], k[1]);
    }
    return Optional.of(new LayerSpec.PoolSpec(p.keyword().equals("maxpool"), w));
  }

  private Optional<int[]> kernel(Optional<Dimensions> d) {
    return d.flatMap(k -> sizes.dimensions(k, KERNEL, "a kernel size KHxKW such as 3x3"));
  }

  private Options options(Optional<Call> call, String owner, List<String> known) {
    Call c = call.orElse(new Call(Optional.empty(), List.of(), new Pos(1, 1, 1)));
    return Options.read(c, owner, known, reporter);
  }

  private OptionalInt stride(Options o) {
    Optional<Value> v = o.value("stride");
    return v.isPresent() ? sizes.option(v.get(), 1, "stride") : OptionalInt.of(1);
  }

  private Optional<Padding> padding(Options o) {
    Optional<Value> v = o.value("padding");
    if (v.isEmpty()) {
      return Optional.of(new Padding(false, 0, v));
    }
    if (v.get() instanceof Value.WordValue w) {
      if (w.text().equals("same")) {
        return Optional.of(new Padding(true, 0, v));
      }
      reporter.error(w.pos().line(), w.pos().column(), w.pos().length(), "unknown padding '"
          + w.text() + "'; expected an integer >= 0 or 'same'");
      return Optional.empty();
    }
    OptionalInt p = sizes.option(v.get(), 0, "padding");
    return p.isPresent() ? Optional.of(new Padding(false, p.getAsInt(), v)) : Optional.empty();
  }

  private static LayerInfo info(Statement.Layer s, int number, Optional<Activation> a,
      Optional<LayerSpec> spec) {
    return new LayerInfo(s, number, a, spec);
  }

  /** A conv2d padding: {@code same}, or pixels on each side; {@code at} is where it was written. */
  private record Padding(boolean same, int pixels, Optional<Value> at) {

    /** The window, or empty after reporting why {@code same} does not apply. */
    Optional<Window> window(int[] kernel, int stride, Statement.Conv2d c, Reporter reporter) {
      if (!same) {
        return Optional.of(new Window(kernel[0], kernel[1], stride, stride, pixels, pixels));
      }
      Pos p = at.get().pos();
      String problem = null;
      if (stride != 1) {
        problem = "padding 'same' needs stride 1, got stride " + stride;
      } else if (kernel[0] % 2 == 0 || kernel[1] % 2 == 0) {
        problem = "padding 'same' needs odd kernel sizes, got " + c.kernel().get().text();
      }
      if (problem != null) {
        reporter.error(p.line(), p.column(), p.length(), problem);
        return Optional.empty();
      }
      return Optional.of(new Window(kernel[0], kernel[1], 1, 1, (kernel[0] - 1) / 2,
          (kernel[1] - 1) / 2));
    }
  }
}
