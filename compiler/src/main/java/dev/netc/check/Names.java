package dev.netc.check;

import java.util.Optional;
import java.util.Set;
import javax.lang.model.SourceVersion;

/**
 * Rules for the names users choose. Network names become Java class names and layer names become
 * parts of Java member names, so both must be valid Java identifiers; netc says what is wrong
 * instead of silently renaming.
 */
public final class Names {

  /** Words that Java 17+ restricts as type names or in some positions (JLS 3.9). */
  public static final Set<String> RESTRICTED =
      Set.of("var", "yield", "record", "sealed", "permits", "when");

  /**
   * Class names a generated network class must not take: the java.lang types that generated code
   * uses or that user code commonly relies on (a class with such a name would hide them), and
   * the netc runtime types every generated class refers to.
   */
  public static final Set<String> RESERVED_CLASS_NAMES = Set.of(
      // java.lang types used by generated code or hidden by a same-named class
      "Object", "String", "Math", "StrictMath", "Float", "Double", "Integer", "Long", "Short",
      "Byte", "Character", "Boolean", "Number", "Void", "System", "Override", "Deprecated",
      "SuppressWarnings", "FunctionalInterface", "SafeVarargs", "Class", "ClassLoader", "Enum",
      "Record", "Iterable", "Comparable", "Cloneable", "AutoCloseable", "Runnable", "Thread",
      "Runtime", "StringBuilder", "CharSequence", "Throwable", "Exception", "Error",
      "RuntimeException", "IllegalArgumentException", "IllegalStateException",
      "IndexOutOfBoundsException", "ArrayIndexOutOfBoundsException", "NullPointerException",
      "UnsupportedOperationException", "ArithmeticException", "AssertionError",
      "OutOfMemoryError", "StackOverflowError", "InterruptedException", "Module", "Package",
      // dev.netc.runtime types that generated classes import
      "FloatNetwork", "DoubleNetwork", "TrainableFloatNetwork", "TrainableDoubleNetwork",
      "TensorSpec", "Init", "SplitMix64");

  private Names() {}

  /**
   * What is wrong with {@code name} as a Java identifier, as the end of a sentence (e.g.
   * {@code "is a Java keyword"}), or empty if it is fine.
   */
  public static Optional<String> identifierProblem(String name) {
    if (!SourceVersion.isIdentifier(name)) {
      return Optional.of("is not a valid Java identifier");
    }
    if (name.equals("true") || name.equals("false") || name.equals("null")) {
      return Optional.of("is a Java literal");
    }
    if (SourceVersion.isKeyword(name, SourceVersion.RELEASE_17)) {
      return Optional.of("is a Java keyword");
    }
    if (RESTRICTED.contains(name)) {
      return Optional.of("is a restricted identifier in Java");
    }
    return Optional.empty();
  }

  /** Like {@link #identifierProblem}, plus the class names a network must not take. */
  public static Optional<String> networkNameProblem(String name) {
    Optional<String> problem = identifierProblem(name);
    if (problem.isPresent()) {
      return problem;
    }
    if (RESERVED_CLASS_NAMES.contains(name)) {
      return Optional.of("would hide the Java type of the same name in the generated class");
    }
    return Optional.empty();
  }
}
