package dev.netc.check;

import dev.netc.ast.Arg;
import dev.netc.ast.Call;
import dev.netc.ast.Pos;
import dev.netc.ast.Value;
import dev.netc.diag.Reporter;
import dev.netc.diag.Suggest;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoublePredicate;

/**
 * The options of one call, e.g. {@code sgd(lr = 0.1, momentum = 0.9)}, matched against the names
 * the callee knows. Unknown and duplicate options are reported when the options are read; typed
 * getters report bad values and return the default so checking can go on.
 */
final class Options {
  private final String owner;
  private final Pos ownerPos;
  private final Reporter reporter;
  private final Map<String, Value> values = new LinkedHashMap<>();

  private Options(String owner, Pos ownerPos, Reporter reporter) {
    this.owner = owner;
    this.ownerPos = ownerPos;
    this.reporter = reporter;
  }

  /**
   * Reads the options of {@code call}. A bare first value stands for the first known option, so
   * {@code uniform(0.1)} means {@code uniform(scale = 0.1)}.
   *
   * @param owner the callee as named in messages, e.g. {@code sgd}
   * @param known the option names the callee accepts, the positional one first
   */
  static Options read(Call call, String owner, List<String> known, Reporter reporter) {
    Options o = new Options(owner, call.pos(), reporter);
    for (int i = 0; i < call.args().size(); i++) {
      Arg arg = call.args().get(i);
      String key;
      Pos keyPos;
      if (arg.key().isPresent()) {
        key = arg.key().get().text();
        keyPos = arg.key().get().pos();
      } else if (known.isEmpty()) {
        o.error(arg.pos(), "'" + owner + "' takes no options");
        continue;
      } else if (i == 0) {
        key = known.get(0);
        keyPos = arg.pos();
      } else {
        o.error(arg.pos(), "option " + quote(arg.value().text()) + " needs a name; write '"
            + known.get(Math.min(i, known.size() - 1)) + " = " + arg.value().text() + "'");
        continue;
      }
      if (known.isEmpty()) {
        o.error(keyPos, "'" + owner + "' takes no options");
      } else if (!known.contains(key)) {
        o.error(keyPos, "unknown option " + quote(key) + " for '" + owner + "'"
            + Suggest.hint(key, known));
      } else if (o.values.containsKey(key)) {
        o.error(keyPos, "duplicate option " + quote(key));
      } else {
        o.values.put(key, arg.value());
      }
    }
    return o;
  }

  /** Where an option's value was written, if it was given. */
  Optional<Pos> pos(String key) {
    return Optional.ofNullable(values.get(key)).map(Value::pos);
  }

  /** The value of an option, if it was given. */
  Optional<Value> value(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** True if the option was given. */
  boolean has(String key) {
    return values.containsKey(key);
  }

  /** Reports that a required option is missing, with an example of how to write it. */
  void require(String key, String example) {
    if (!has(key)) {
      error(ownerPos, "'" + owner + "' needs " + key + ", e.g. " + example);
    }
  }

  /**
   * A number option: its value, or {@code fallback} if absent or invalid. {@code ok} tests the
   * value; {@code rule} says in words what it must be, e.g. {@code "> 0"}.
   */
  double number(String key, double fallback, DoublePredicate ok, String rule) {
    Value v = values.get(key);
    if (v == null) {
      return fallback;
    }
    Optional<Double> d = parse(key, v);
    if (d.isEmpty()) {
      return fallback;
    }
    if (!ok.test(d.get())) {
      error(v.pos(), key + " must be " + rule + ", got " + quote(v.text()));
      return fallback;
    }
    return d.get();
  }

  /** A boolean option written {@code true} or {@code false}. */
  boolean bool(String key, boolean fallback) {
    Value v = values.get(key);
    if (v == null) {
      return fallback;
    }
    if (v.text().equals("true") || v.text().equals("false")) {
      return v.text().equals("true");
    }
    error(v.pos(), key + " must be true or false, got " + quote(v.text()));
    return fallback;
  }

  /** A word option that must be one of {@code allowed}. */
  String word(String key, List<String> allowed, String fallback) {
    Value v = values.get(key);
    if (v == null) {
      return fallback;
    }
    if (v instanceof Value.WordValue && allowed.contains(v.text())) {
      return v.text();
    }
    String hint = v instanceof Value.WordValue
        ? Suggest.hint(v.text(), allowed)
        : "; expected " + Suggest.oneOf(allowed);
    error(v.pos(), "unknown " + key + " " + quote(v.text()) + hint);
    return fallback;
  }

  /** A 64-bit integer option, e.g. the seed. */
  long integer(String key, long fallback) {
    Value v = values.get(key);
    if (v == null) {
      return fallback;
    }
    Optional<BigInteger> i = Numbers.integer(v);
    if (i.isEmpty()) {
      error(v.pos(), key + " must be an integer, got " + quote(v.text()));
      return fallback;
    }
    if (i.get().bitLength() > 63) {
      error(v.pos(), key + " " + quote(v.text()) + " does not fit in 64 bits");
      return fallback;
    }
    return i.get().longValue();
  }

  private Optional<Double> parse(String key, Value v) {
    if (!(v instanceof Value.NumberValue)) {
      error(v.pos(), key + " must be a number, got " + quote(v.text()));
      return Optional.empty();
    }
    double d = Double.parseDouble(v.text());
    if (Double.isInfinite(d)) {
      error(v.pos(), key + " " + quote(v.text()) + " is too large");
      return Optional.empty();
    }
    if (d == 0 && new BigDecimal(v.text()).signum() != 0) {
      error(v.pos(), key + " " + quote(v.text()) + " is too small to represent");
      return Optional.empty();
    }
    return Optional.of(d);
  }

  private void error(Pos pos, String message) {
    reporter.error(pos.line(), pos.column(), pos.length(), message);
  }

  static String quote(String s) {
    return "'" + s + "'";
  }
}
