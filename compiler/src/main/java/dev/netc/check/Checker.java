package dev.netc.check;

import dev.netc.ast.Name;
import dev.netc.ast.NetworkNode;
import dev.netc.ast.Pos;
import dev.netc.ast.SourceNode;
import dev.netc.ast.Statement;
import dev.netc.diag.Reporter;
import dev.netc.ir.Activation;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a parsed file and lowers each network to the IR. Every problem is reported (the checker
 * never stops at the first one); networks are returned only when the whole file is clean.
 * Statements the parser had to repair are not checked, so one typo gives one message.
 */
public final class Checker {
  /** The largest input, layer, channel, kernel, stride or padding size. */
  public static final int MAX_SIZE = Sizes.MAX_SIZE;
  /** The largest parameter count of one network: 2^28, i.e. 1 GiB of floats. */
  public static final long MAX_PARAMETERS = ShapeCheck.MAX_PARAMETERS;
  /** The most values one example may carry into or out of a layer. */
  public static final long MAX_VALUES = ShapeCheck.MAX_VALUES;
  /**
   * The most layers in one network. Every layer adds fields and helper methods to the
   * generated class, whose constant pool holds at most 65535 entries: 2000 layers overflow it
   * (javac: "too many constants"), 1024 compile with the optimizer that keeps the most state.
   */
  public static final int MAX_LAYERS = 1024;

  private final Reporter reporter;
  private final Vocabulary vocabulary;
  private final LayerStatements layerStatements;
  private final Map<String, Name> networkNames = new HashMap<>();
  private final Map<String, Name> networkNamesLower = new HashMap<>();

  private Checker(Reporter reporter) {
    this.reporter = reporter;
    this.vocabulary = new Vocabulary(reporter);
    this.layerStatements = new LayerStatements(reporter, vocabulary);
  }

  /** Checks every network of {@code source}; returns them lowered, or nothing if any error. */
  public static List<Network> check(SourceNode source, Reporter reporter) {
    Checker checker = new Checker(reporter);
    List<Network> networks = new ArrayList<>();
    for (NetworkNode n : source.networks()) {
      checker.network(n).ifPresent(networks::add);
    }
    if (source.networks().isEmpty() && !reporter.hasErrors()) {
      reporter.error(1, 1, 1, "no network in '" + source.fileName()
          + "'; a .net file holds one or more 'network NAME { ... }' blocks");
    }
    return reporter.hasErrors() ? List.of() : List.copyOf(networks);
  }

  private Optional<Network> network(NetworkNode n) {
    n.name().ifPresent(this::networkName);
    String name = n.name().map(Name::text).orElse("?");
    Pos namePos = n.name().map(Name::pos).orElse(n.pos());
    Parts parts = new Parts();
    Map<String, Statement> firsts = new HashMap<>();
    for (Statement s : n.statements()) {
      if (s.damaged()) {
        damaged(s, parts);
        continue;
      }
      if (!(s instanceof Statement.Layer)) {
        Statement first = firsts.putIfAbsent(s.keyword(), s);
        if (first != null) {
          error(s.pos(), "duplicate '" + s.keyword() + "' statement; the first is on line "
              + first.pos().line());
          continue;
        }
      }
      statement(s, parts);
    }
    LayerNames.check(parts.layers, reporter);
    softmaxOnlyLast(parts.layers);
    if (!n.damaged()) {
      structure(n, name, namePos, parts);
    }
    if (reporter.hasErrors()) {
      return Optional.empty();
    }
    return Optional.of(Lowering.lower(name, reporter.file(), parts));
  }

  /** A repaired statement still counts (as a layer, as the input) but is not checked. */
  private static void damaged(Statement s, Parts parts) {
    if (s instanceof Statement.Layer l) {
      parts.layers.add(new LayerInfo(l, parts.number(l), Optional.empty(), Optional.empty()));
    } else if (s instanceof Statement.Input in && parts.input.isEmpty()) {
      parts.input = Optional.of(in);
    }
  }

  private void statement(Statement s, Parts parts) {
    if (s instanceof Statement.Layer l) {
      parts.layers.add(layerStatements.layer(l, parts.number(l)));
    } else if (s instanceof Statement.Input in) {
      parts.input = Optional.of(in);
      parts.inputShape = layerStatements.input(in);
    } else if (s instanceof Statement.Loss l) {
      parts.lossStatement = l.loss();
      parts.loss = l.loss().flatMap(vocabulary::loss);
    } else if (s instanceof Statement.Optimizer o) {
      parts.optimizer = o.optimizer().flatMap(vocabulary::optimizer);
    } else if (s instanceof Statement.Init i) {
      if (i.init().isEmpty()) {
        error(i.pos(), "'init' needs a scheme (xavier, he or uniform) or options such as "
            + "'init (seed = 1)'");
      } else {
        parts.init = Optional.of(vocabulary.init(i.init().get()));
      }
    } else if (s instanceof Statement.Precision p) {
      parts.precision = p.kind().flatMap(vocabulary::precision);
    }
  }

  private void networkName(Name name) {
    Optional<String> problem = Names.networkNameProblem(name.text());
    if (problem.isPresent()) {
      error(name.pos(), "network name '" + name.text() + "' " + problem.get());
      return;
    }
    Name first = networkNames.putIfAbsent(name.text(), name);
    if (first != null) {
      error(name.pos(), "duplicate network name '" + name.text() + "'; the first is on line "
          + first.pos().line());
      return;
    }
    // macOS file systems ignore case and Unicode normalization (é as one or two code points).
    String fileKey =
        Normalizer.normalize(name.text(), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    Name clash = networkNamesLower.putIfAbsent(fileKey, name);
    if (clash != null) {
      boolean caseOnly = clash.text().toLowerCase(Locale.ROOT)
          .equals(name.text().toLowerCase(Locale.ROOT));
      error(name.pos(), "network name '" + name.text() + "' differs from '" + clash.text()
          + "' (line " + clash.pos().line() + ") only in "
          + (caseOnly ? "case; their class files would clash on case-insensitive file systems"
              : "Unicode normalization; their class files would clash on file systems that "
                  + "normalize names"));
    }
  }

  private void softmaxOnlyLast(List<LayerInfo> layers) {
    for (int i = 0; i < layers.size() - 1; i++) {
      LayerInfo l = layers.get(i);
      if (l.activation().filter(a -> !a.isElementwise()).isPresent()
          && l.statement() instanceof Statement.Dense d) {
        Pos p = d.activation().map(c -> c.pos()).orElse(d.pos());
        error(p, "softmax is only allowed on the output layer; layer '" + l.name()
            + "' is followed by '" + layers.get(i + 1).name() + "'");
      }
    }
  }

  /** Whole-network checks, done only when the parser repaired nothing in the network. */
  private void structure(NetworkNode n, String name, Pos namePos, Parts parts) {
    if (parts.input.isEmpty()) {
      error(namePos, "network '" + name + "' has no 'input' statement; start it with e.g. "
          + "'input 784'");
    } else if (n.statements().get(0) != parts.input.get()) {
      error(parts.input.get().pos(), "'input' must be the first statement of network '" + name
          + "'");
    }
    boolean allDense = parts.layers.stream().allMatch(l -> l.statement()
        instanceof Statement.Dense);
    if (parts.layers.stream().noneMatch(l -> l.statement() instanceof Statement.Dense)) {
      error(namePos, "network '" + name + "' has no dense layer"
          + (parts.layers.isEmpty() ? "" : "; its output must come from one, e.g. "
              + "'dense 10 softmax' after the last " + parts.layers.get(parts.layers.size() - 1)
                  .statement().keyword()));
      return;
    }
    if (parts.layers.size() > MAX_LAYERS) {
      error(namePos, "network '" + name + "' has " + parts.layers.size()
          + (allDense ? " dense layers" : " layers") + "; the limit is " + MAX_LAYERS);
    }
    LayerInfo out = parts.layers.get(parts.layers.size() - 1);
    if (parts.loss.isPresent() && out.activation().isPresent()
        && out.statement() instanceof Statement.Dense) {
      lossMatchesOutput(parts.loss.get(), out, parts.lossStatement.get().pos());
    }
    if (parts.inputShape.isPresent()) {
      parts.layerInputs = ShapeCheck.walk(parts.inputShape.get(), parts.layers, reporter);
    }
    if (parts.layerInputs.isPresent()) {
      long total = ShapeCheck.parameters(parts.layers, parts.layerInputs.get());
      if (total > MAX_PARAMETERS) {
        ShapeCheck.reportParameters(name, namePos, total,
            parts.precision.orElse(Precision.FLOAT), reporter);
      }
    }
  }

  private void lossMatchesOutput(Loss loss, LayerInfo out, Pos at) {
    Activation a = out.activation().get();
    if (loss.fits(a)) {
      return;
    }
    String uses = "output layer '" + out.name() + "' uses " + a.keyword();
    if (loss instanceof Loss.BinaryCrossEntropy) {
      error(at, "binary_cross_entropy needs a sigmoid output layer, but " + uses);
    } else if (loss instanceof Loss.CrossEntropy) {
      error(at, "cross_entropy needs a softmax output layer, but " + uses);
    } else {
      error(at, "a softmax output layer needs loss cross_entropy (or no loss), not "
          + loss.keyword());
    }
  }

  private void error(Pos p, String message) {
    reporter.error(p.line(), p.column(), p.length(), message);
  }

  /** What the statements of one network said, collected for the whole-network checks. */
  static final class Parts {
    Optional<Statement.Input> input = Optional.empty();
    Optional<Shape> inputShape = Optional.empty();
    final List<LayerInfo> layers = new ArrayList<>();
    /** Each layer's input shape, once the shapes are known to fit. */
    Optional<List<Shape>> layerInputs = Optional.empty();
    private final Map<String, Integer> counts = new HashMap<>();
    Optional<dev.netc.ast.Call> lossStatement = Optional.empty();
    Optional<Loss> loss = Optional.empty();
    Optional<Optimizer> optimizer = Optional.empty();
    Optional<Vocabulary.InitChoice> init = Optional.empty();
    Optional<Precision> precision = Optional.empty();

    /** The 1-based number of a new layer {@code l} among the layers of its kind. */
    int number(Statement.Layer l) {
      return counts.merge(LayerInfo.defaultPrefix(l), 1, Integer::sum);
    }
  }
}
