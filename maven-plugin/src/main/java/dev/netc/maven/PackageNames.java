package dev.netc.maven;

import java.util.Optional;
import javax.lang.model.SourceVersion;

/**
 * The Java package of the classes generated from one {@code .net} file: the folder under the source
 * directory ({@code com/acme/xor.net} → {@code com.acme}); a file directly in the source directory
 * gets a package named after the file ({@code xor.net} → {@code xor}), because the unnamed package
 * cannot be imported from application code.
 */
final class PackageNames {
  private PackageNames() {}

  /** A derived package, or the reason there is none (a user mistake, reported as an error). */
  record Derived(Optional<String> packageName, String problem) {
    static Derived of(String name) {
      return new Derived(Optional.of(name), "");
    }

    static Derived error(String problem) {
      return new Derived(Optional.empty(), problem);
    }
  }

  /** Whether {@code name} is a qualified Java name without keywords, e.g. {@code com.acme}. */
  static boolean isValid(String name) {
    return SourceVersion.isName(name, SourceVersion.RELEASE_17);
  }

  /**
   * Derives the package of {@code relativePath}, a path under the source directory with
   * {@code /} separators, e.g. {@code com/acme/xor.net}.
   */
  static Derived derive(String relativePath) {
    int slash = relativePath.lastIndexOf('/');
    if (slash < 0) {
      String base = relativePath.endsWith(".net")
          ? relativePath.substring(0, relativePath.length() - ".net".length())
          : relativePath;
      if (isValid(base)) {
        return Derived.of(base);
      }
      return Derived.error("cannot use '" + base + "' as a package name; move '" + relativePath
          + "' into a folder such as com/example/ or set <packageName>");
    }
    String folder = relativePath.substring(0, slash);
    for (String part : folder.split("/")) {
      if (!isValid(part)) {
        return Derived.error("folder '" + part + "' is not a valid java package name; rename it"
            + " or set <packageName>");
      }
    }
    return Derived.of(folder.replace('/', '.'));
  }
}
