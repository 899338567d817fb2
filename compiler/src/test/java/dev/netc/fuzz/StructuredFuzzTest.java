package dev.netc.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.netc.FrontendResult;

/**
 * Builds {@code .net} text from fuzzer-chosen tokens (statements, keywords, vocabulary words,
 * options, numbers at the limits, hostile names, comments and line breaks) so that most inputs get
 * past the parser and exercise the checker and the code generator deeply; byte-level fuzzing
 * rarely produces a well-formed network. The same properties as {@link CodegenFuzzTest} hold.
 */
class StructuredFuzzTest {

  /** Network and layer names: ordinary, keywords and literals, java.lang types, look-alikes. */
  static final String[] NAMES = {
    "Xor", "Net", "hidden", "out", "a", "_x", "x_", "$", "$x", "x$y", "\u00dcn\u00efc\u00f6d\u00e9",
    "\u5c64", "dense1", "dense2", "dense3", "Dense1", "DENSE1", "xor", "XOR", "Xor2", "net2",
    // Java keywords, literals and restricted identifiers
    "class", "int", "_", "goto", "const", "enum", "assert", "strictfp", "this", "super", "true",
    "false", "null", "var", "yield", "record", "sealed", "permits", "when", "module", "open",
    "exports", "requires",
    // java.lang and netc runtime types, listed or not by the front end
    "String", "Object", "Math", "System", "Integer", "Override", "Thread", "Class", "Record",
    "ProcessBuilder", "Process", "Compiler", "Appendable", "ThreadLocal", "StackWalker",
    "MatchException", "ScopedValue", "SecurityManager", "Readable", "FloatNetwork", "Init",
    "TensorSpec", "SplitMix64", "Arrays", "List", "Scheme",
    // members, locals and constants of generated classes
    "predict", "INPUT_SIZE", "LAYOUT", "x", "xs", "out", "w", "b", "s0", "input", "copy", "loss",
    "forward", "hashCode", "getClass", "seed", "i", "k", "hiddenWeight", "forwardHidden",
    // look-alikes and invisible characters
    "X\u043er", "\u0425or", "\uff38\uff4f\uff52", "\uff43\uff4c\uff41\uff53\uff53", "X\u200dor",
    "X\u200bor", "\u202eflow", "x\u200f", "Cafe\u0301", "Caf\u00e9", "x\uff11", "\u0663x",
    "\u0391lpha", "\ud835\udc00", "x\u00a0y",
    // injection attempts
    "X\"y", "X*/y", "X/*y", "a.b", "x\\u000a", "\\u0041", "x'y", "x;y", "x y", "x-y", "x\ny",
    "2nd", "x".repeat(300),
  };

  /** File names, which end up in diagnostics and in the generated javadoc. */
  static final String[] FILE_NAMES = {
    "model.net", "x*/ class Evil {} /*.net", "\\u000a/.net", "a\\u002a/b.net", "<b>@see</b>.net",
    "{@code x}.net", "dir/with spaces/m\u00e4del.net", "tab\there.net", "line\nbreak.net",
    "cr\rreturn.net", "\u202egnp.net", "C:\\models\\u.net", "", "*/", "@param.net",
  };

  private static final String[] SIZES = {
    "1", "2", "3", "4", "8", "16", "17", "32", "33", "0", "-1", "+3", "65536", "65537", "2.5",
    "1e2", "007", "99999999999", "1E1", ".5", "x",
  };
  private static final String[] ACTIVATIONS = {
    "identity", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softmax",
    "relu6", "logistic", "none", "gelu",
  };
  private static final String[] LOSSES = {
    "mse", "binary_cross_entropy", "cross_entropy", "bce", "ce", "l2", "hinge",
  };
  private static final String[] OPTIMIZERS = {"sgd", "adam", "rmsprop", "Adam"};
  private static final String[] INITS = {"xavier", "he", "uniform", "glorot", "kaiming", "zeros"};
  private static final String[] PRECISIONS = {"float", "double", "half", "fp64", "int"};
  private static final String[] KEYS = {
    "lr", "momentum", "nesterov", "weight_decay", "beta1", "beta2", "eps", "alpha", "scale",
    "seed", "reduction", "x", "LR",
  };
  private static final String[] VALUES = {
    "0", "0.1", "1", "-1", "1e-8", "1e999", "1e-999", "0.9", "0.999", "2", "1e6", "0.5",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "true", "false",
    "mean", "sum", "none", "x", ".1e1", "1.", "-0",
  };
  private static final String[] JUNK = {
    "network", "input", "dense", "as", "loss", "optimizer", "init", "precision", "{", "}", "(",
    ")", "=", ",", ";", "-", "+", "/*", "*/", "//", "#", "\"", "\u0000", "\ufeff", "\u200b",
    "\ud83d\ude00", "\\u000a", "1", "relu", "x",
  };
  private static final String[] SEPARATORS = {
    " ", "\n", "\r\n", "\r", "\t", "  ", " /* c */ ", " // c\n", "\n\n", "/**/",
  };

  @FuzzTest
  void structured(FuzzedDataProvider data) {
    String fileName = data.pickValue(FILE_NAMES);
    String source = source(data);
    FrontendResult r = FuzzChecks.frontEnd(fileName, source);
    FuzzChecks.generateAndRun(r);
  }

  /**
   * One to three networks. Each mostly has the shape of a valid network (input first, one to four
   * dense layers, then settings in any order) so that many inputs reach the code generator; the
   * fuzzer decides every word, and may drop the input, add stray statements or omit the brace.
   */
  static String source(FuzzedDataProvider data) {
    StringBuilder src = new StringBuilder();
    int networks = data.consumeInt(1, 3);
    for (int n = 0; n < networks; n++) {
      src.append("network ").append(data.pickValue(NAMES)).append(" {");
      if (data.consumeInt(0, 15) != 0) {
        separator(data, src);
        src.append("input ").append(size(data));
      }
      int layers = data.consumeInt(1, 4);
      for (int l = 0; l < layers; l++) {
        separator(data, src);
        statement(1, data, src);
      }
      int settings = data.consumeInt(0, 6);
      for (int s = 0; s < settings; s++) {
        separator(data, src);
        statement(data.consumeInt(0, 7), data, src);
      }
      separator(data, src);
      if (data.consumeInt(0, 15) != 0) {
        src.append('}');
      }
      src.append('\n');
    }
    return src.toString();
  }

  private static void separator(FuzzedDataProvider data, StringBuilder src) {
    src.append(data.consumeInt(0, 3) == 0 ? data.pickValue(SEPARATORS) : "\n");
  }

  private static void statement(int kind, FuzzedDataProvider data, StringBuilder src) {
    switch (kind) {
      case 0 -> src.append("input ").append(size(data));
      case 1, 2 -> {
        src.append("dense ").append(size(data)).append(' ').append(data.pickValue(ACTIVATIONS));
        arguments(data, src);
        if (data.consumeBoolean()) {
          src.append(" as ").append(data.pickValue(NAMES));
        }
      }
      case 3 -> {
        src.append("loss ").append(data.pickValue(LOSSES));
        arguments(data, src);
      }
      case 4 -> {
        src.append("optimizer ").append(data.pickValue(OPTIMIZERS));
        arguments(data, src);
      }
      case 5 -> {
        src.append("init");
        if (data.consumeBoolean()) {
          src.append(' ').append(data.pickValue(INITS));
        }
        arguments(data, src);
      }
      case 6 -> src.append("precision ").append(data.pickValue(PRECISIONS));
      default -> {
        int tokens = data.consumeInt(1, 4);
        for (int i = 0; i < tokens; i++) {
          src.append(' ').append(data.pickValue(JUNK));
        }
      }
    }
  }

  /** Mostly small valid sizes, so that many networks reach the code generator. */
  private static String size(FuzzedDataProvider data) {
    return data.consumeBoolean()
        ? Integer.toString(data.consumeInt(1, 40))
        : data.pickValue(SIZES);
  }

  private static void arguments(FuzzedDataProvider data, StringBuilder src) {
    int count = data.consumeInt(-1, 3);
    if (count < 0) {
      return;
    }
    src.append('(');
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        src.append(data.consumeInt(0, 9) == 0 ? " " : ", ");
      }
      switch (data.consumeInt(0, 5)) {
        case 0 -> src.append(data.pickValue(VALUES));
        case 1 -> src.append(data.pickValue(KEYS)).append(" ").append(data.pickValue(VALUES));
        case 2 -> src.append(data.pickValue(KEYS)).append(" =");
        default -> src.append(data.pickValue(KEYS)).append(" = ").append(data.pickValue(VALUES));
      }
    }
    if (data.consumeInt(0, 9) != 0) {
      src.append(')');
    }
  }
}
