package dev.netc.check;

import dev.netc.ast.Call;
import dev.netc.ast.Name;
import dev.netc.ast.Pos;
import dev.netc.diag.Reporter;
import dev.netc.diag.Suggest;
import dev.netc.ir.Activation;
import dev.netc.ir.Loss;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The words of the language after a keyword: activations, losses, optimizers, init schemes and
 * precisions, with their options and defaults. Each method reports what is wrong and returns empty
 * when the word is unknown.
 */
final class Vocabulary {
  static final List<String> ACTIVATIONS = List.of("identity", "linear", "sigmoid", "tanh", "relu",
      "leaky_relu", "elu", "softplus", "softmax");
  static final List<String> LOSSES = List.of("mse", "binary_cross_entropy", "cross_entropy");
  static final List<String> OPTIMIZERS = List.of("sgd", "adam");
  static final List<String> INITS = List.of("xavier", "he", "uniform");
  static final List<String> PRECISIONS = List.of("float", "double");
  static final List<String> REDUCTIONS = List.of("mean", "sum");

  /** Names other libraries use, for a hint when edit distance finds nothing. */
  private static final Map<String, String> SYNONYMS = Map.ofEntries(
      Map.entry("logistic", "sigmoid"), Map.entry("none", "identity"),
      Map.entry("lrelu", "leaky_relu"), Map.entry("bce", "binary_cross_entropy"),
      Map.entry("ce", "cross_entropy"), Map.entry("nll", "cross_entropy"),
      Map.entry("categorical_crossentropy", "cross_entropy"), Map.entry("l2", "mse"),
      Map.entry("glorot", "xavier"), Map.entry("kaiming", "he"), Map.entry("fp32", "float"),
      Map.entry("fp64", "double"), Map.entry("f32", "float"), Map.entry("f64", "double"));

  private final Reporter reporter;

  Vocabulary(Reporter reporter) {
    this.reporter = reporter;
  }

  /** The activation a dense layer names, e.g. {@code leaky_relu(alpha = 0.2)}. */
  Optional<Activation> activation(Call call) {
    Optional<String> word = known(call, "activation", ACTIVATIONS);
    if (word.isEmpty()) {
      return Optional.empty();
    }
    String w = word.get();
    boolean hasAlpha = w.equals("leaky_relu") || w.equals("elu");
    Options o = Options.read(call, w, hasAlpha ? List.of("alpha") : List.of(), reporter);
    return Optional.of(switch (w) {
      case "identity", "linear" -> new Activation.Identity();
      case "sigmoid" -> new Activation.Sigmoid();
      case "tanh" -> new Activation.Tanh();
      case "relu" -> new Activation.Relu();
      case "leaky_relu" -> new Activation.LeakyRelu(o.number("alpha", 0.01, a -> a >= 0, ">= 0"));
      case "elu" -> new Activation.Elu(o.number("alpha", 1.0, a -> a >= 0, ">= 0"));
      case "softplus" -> new Activation.Softplus();
      case "softmax" -> new Activation.Softmax();
      default -> throw noCase(w);
    });
  }

  /** The loss of a {@code loss} statement. */
  Optional<Loss> loss(Call call) {
    Optional<String> word = known(call, "loss", LOSSES);
    if (word.isEmpty()) {
      return Optional.empty();
    }
    Options o = Options.read(call, word.get(), List.of("reduction"), reporter);
    LossReduction r = o.word("reduction", REDUCTIONS, "mean").equals("sum")
        ? LossReduction.SUM : LossReduction.MEAN;
    return Optional.of(switch (word.get()) {
      case "mse" -> new Loss.Mse(r);
      case "binary_cross_entropy" -> new Loss.BinaryCrossEntropy(r);
      case "cross_entropy" -> new Loss.CrossEntropy(r);
      default -> throw noCase(word.get());
    });
  }

  /** The optimizer of an {@code optimizer} statement, with torch.optim's defaults. */
  Optional<Optimizer> optimizer(Call call) {
    Optional<String> word = known(call, "optimizer", OPTIMIZERS);
    if (word.isEmpty()) {
      return Optional.empty();
    }
    if (word.get().equals("sgd")) {
      Options o = Options.read(call, "sgd", List.of("lr", "momentum", "nesterov", "weight_decay"),
          reporter);
      o.require("lr", "sgd(lr = 0.01)");
      double lr = o.number("lr", 0.01, v -> v > 0, "> 0");
      double momentum = o.number("momentum", 0, v -> v >= 0, ">= 0");
      boolean nesterov = o.bool("nesterov", false);
      double decay = o.number("weight_decay", 0, v -> v >= 0, ">= 0");
      if (nesterov && momentum == 0) {
        Pos p = o.pos("nesterov").orElse(call.pos());
        reporter.error(p.line(), p.column(), p.length(), "nesterov needs momentum > 0");
        nesterov = false;
      }
      return Optional.of(new Optimizer.Sgd(lr, momentum, nesterov, decay));
    }
    Options o = Options.read(call, "adam", List.of("lr", "beta1", "beta2", "eps",
        "weight_decay"), reporter);
    double lr = o.number("lr", 0.001, v -> v > 0, "> 0");
    double beta1 = o.number("beta1", 0.9, v -> v >= 0 && v < 1, "in [0, 1)");
    double beta2 = o.number("beta2", 0.999, v -> v >= 0 && v < 1, "in [0, 1)");
    double eps = o.number("eps", 1e-8, v -> v >= 0, ">= 0");
    double decay = o.number("weight_decay", 0, v -> v >= 0, ">= 0");
    return Optional.of(new Optimizer.Adam(lr, beta1, beta2, eps, decay));
  }

  /**
   * The init of an {@code init} statement: the scheme (empty for {@code init (seed = 1)}, which
   * keeps each layer's default), its scale and the seed.
   */
  InitChoice init(Call call) {
    if (call.name().isEmpty()) {
      Options o = Options.read(call, "init", List.of("seed"), reporter);
      return new InitChoice(Optional.empty(), 0, o.integer("seed", 0));
    }
    Optional<String> word = known(call, "init", INITS);
    if (word.isEmpty()) {
      return new InitChoice(Optional.empty(), 0, 0);
    }
    if (word.get().equals("uniform")) {
      Options o = Options.read(call, "uniform", List.of("scale", "seed"), reporter);
      o.require("scale", "uniform(scale = 0.1)");
      double scale = o.number("scale", 0.1, v -> v > 0, "> 0");
      return new InitChoice(Optional.of(Init.Scheme.UNIFORM), scale, o.integer("seed", 0));
    }
    Options o = Options.read(call, word.get(), List.of("seed"), reporter);
    Init.Scheme scheme = word.get().equals("he") ? Init.Scheme.HE : Init.Scheme.XAVIER;
    return new InitChoice(Optional.of(scheme), 0, o.integer("seed", 0));
  }

  /** The precision of a {@code precision} statement. */
  Optional<Precision> precision(Name kind) {
    if (!PRECISIONS.contains(kind.text())) {
      unknown(kind, "precision", PRECISIONS);
      return Optional.empty();
    }
    return Optional.of(kind.text().equals("double") ? Precision.DOUBLE : Precision.FLOAT);
  }

  /** A keyword of one of the lists above that its switch forgot: a bug in netc, not the user's. */
  private static IllegalStateException noCase(String keyword) {
    return new IllegalStateException("netc bug: no case for the known keyword '" + keyword + "'");
  }

  /** The word a call names, if the language knows it; otherwise reports it with a hint. */
  private Optional<String> known(Call call, String what, List<String> words) {
    if (call.name().isEmpty()) {
      Pos p = call.pos();
      reporter.error(p.line(), p.column(), p.length(), "expected " + what + " name before '('");
      return Optional.empty();
    }
    Name name = call.name().get();
    if (words.contains(name.text())) {
      return Optional.of(name.text());
    }
    unknown(name, what, words);
    return Optional.empty();
  }

  private void unknown(Name name, String what, List<String> words) {
    String hint = Suggest.closest(name.text(), words)
        .or(() -> Optional.ofNullable(SYNONYMS.get(name.text().toLowerCase(java.util.Locale.ROOT)))
            .filter(words::contains))
        .map(w -> "; did you mean '" + w + "'?")
        .orElseGet(() -> "; expected " + Suggest.oneOf(words));
    Pos p = name.pos();
    reporter.error(p.line(), p.column(), p.length(),
        "unknown " + what + " " + Options.quote(name.text()) + hint);
  }

  /** What an {@code init} statement chose; an empty scheme keeps each layer's default. */
  record InitChoice(Optional<Init.Scheme> scheme, double scale, long seed) {}
}
