package dev.netc.check;

import dev.netc.ast.Name;
import dev.netc.ast.NetworkNode;
import dev.netc.ast.Pos;
import dev.netc.ast.SourceNode;
import dev.netc.ast.Statement;
import dev.netc.ast.Value;
import dev.netc.diag.Reporter;
import dev.netc.ir.Activation;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import java.math.BigInteger;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Checks a parsed file and lowers each network to the IR. Every problem is reported (the checker
 * never stops at the first one); networks are returned only when the whole file is clean.
 * Statements the parser had to repair are not checked, so one typo gives one message.
 */
public final class Checker {
  /** The largest input or layer size. */
  public static final int MAX_SIZE = 65536;
  /** The largest parameter count of one network: 2^28, i.e. 1 GiB of floats. */
  public static final long MAX_PARAMETERS = 1L << 28;
  /**
   * The most dense layers in one network. Every layer adds fields and helper methods to the
   * generated class, whose constant pool holds at most 65535 entries: 2000 layers overflow it
   * (javac: "too many constants"), 1024 compile with the optimizer that keeps the most state.
   */
  public static final int MAX_LAYERS = 1024;

  private final Reporter reporter;
  private final Vocabulary vocabulary;
  private final Map<String, Name> networkNames = new HashMap<>();
  private final Map<String, Name> networkNamesLower = new HashMap<>();

  private Checker(Reporter reporter) {
    this.reporter = reporter;
    this.vocabulary = new Vocabulary(reporter);
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
      if (!(s instanceof Statement.Dense)) {
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
    if (s instanceof Statement.Dense d) {
      parts.layers.add(new LayerInfo(d, parts.layers.size() + 1, OptionalInt.empty(),
          Optional.empty()));
    } else if (s instanceof Statement.Input in && parts.input.isEmpty()) {
      parts.input = Optional.of(in);
    }
  }

  private void statement(Statement s, Parts parts) {
    if (s instanceof Statement.Dense d) {
      parts.layers.add(dense(d, parts.layers.size() + 1));
    } else if (s instanceof Statement.Input in) {
      parts.input = Optional.of(in);
      parts.inputSize = size(in.size(), "input size");
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

  private LayerInfo dense(Statement.Dense d, int number) {
    OptionalInt size = size(d.size(), "layer size");
    Optional<Activation> activation = d.activation().flatMap(vocabulary::activation);
    return new LayerInfo(d, number, size, activation);
  }

  /** Checks a size: a plain integer in [1, MAX_SIZE]. */
  private OptionalInt size(Optional<Value.NumberValue> value, String what) {
    if (value.isEmpty()) {
      return OptionalInt.empty();
    }
    Value.NumberValue v = value.get();
    Optional<BigInteger> i = Numbers.integer(v);
    if (i.isEmpty()) {
      error(v.pos(), what + " must be an integer, got '" + v.text() + "'");
    } else if (i.get().signum() <= 0) {
      error(v.pos(), what + " must be at least 1, got '" + v.text() + "'");
    } else if (i.get().compareTo(BigInteger.valueOf(MAX_SIZE)) > 0) {
      error(v.pos(), what + " '" + v.text() + "' is too large; the limit is " + MAX_SIZE);
    } else {
      return OptionalInt.of(i.get().intValue());
    }
    return OptionalInt.empty();
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
      if (l.activation().filter(a -> !a.isElementwise()).isPresent()) {
        Pos p = l.statement().activation().map(c -> c.pos()).orElse(l.statement().pos());
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
    if (parts.layers.isEmpty()) {
      error(namePos, "network '" + name + "' has no dense layer");
      return;
    }
    if (parts.layers.size() > MAX_LAYERS) {
      error(namePos, "network '" + name + "' has " + parts.layers.size()
          + " dense layers; the limit is " + MAX_LAYERS);
    }
    LayerInfo out = parts.layers.get(parts.layers.size() - 1);
    if (parts.loss.isPresent() && out.activation().isPresent()) {
      lossMatchesOutput(parts.loss.get(), out, parts.lossStatement.get().pos());
    }
    parameterCount(name, namePos, parts);
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

  private void parameterCount(String name, Pos namePos, Parts parts) {
    if (parts.inputSize.isEmpty()) {
      return;
    }
    long total = 0;
    long in = parts.inputSize.getAsInt();
    for (LayerInfo l : parts.layers) {
      if (l.size().isEmpty()) {
        return;
      }
      long out = l.size().getAsInt();
      total += out * in + out;
      in = out;
    }
    if (total > MAX_PARAMETERS) {
      Precision p = parts.precision.orElse(Precision.FLOAT);
      double gib = total * (p == Precision.FLOAT ? 4.0 : 8.0) / (1L << 30);
      error(namePos, String.format(Locale.ROOT,
          "network '%s' needs %d parameters (%.1f GiB as %s); the limit is %d",
          name, total, gib, p.javaType(), MAX_PARAMETERS));
    }
  }

  private void error(Pos p, String message) {
    reporter.error(p.line(), p.column(), p.length(), message);
  }

  /** One dense statement as checked: its 1-based number, size and activation when valid. */
  record LayerInfo(
      Statement.Dense statement, int number, OptionalInt size, Optional<Activation> activation) {

    /** The layer's name: the one given with {@code as}, or {@code denseN}. */
    String name() {
      return statement.name().map(Name::text).orElse("dense" + number);
    }
  }

  /** What the statements of one network said, collected for the whole-network checks. */
  static final class Parts {
    Optional<Statement.Input> input = Optional.empty();
    OptionalInt inputSize = OptionalInt.empty();
    final List<LayerInfo> layers = new ArrayList<>();
    Optional<dev.netc.ast.Call> lossStatement = Optional.empty();
    Optional<Loss> loss = Optional.empty();
    Optional<Optimizer> optimizer = Optional.empty();
    Optional<Vocabulary.InitChoice> init = Optional.empty();
    Optional<Precision> precision = Optional.empty();
  }
}
