package dev.netc.maven;

import dev.netc.Version;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * Identifies the netc build that generates code: the version, and for a {@code -SNAPSHOT} also the
 * hash of the compiler jar (it holds the code generator), because snapshot code generators change
 * without a version change.
 */
final class VersionKey {
  private VersionKey() {}

  /** The key of the netc on this plugin's class path. */
  static String current() throws IOException {
    String version = Version.get();
    if (!version.endsWith("-SNAPSHOT")) {
      return version;
    }
    CodeSource source = Version.class.getProtectionDomain().getCodeSource();
    if (source == null) {
      return version;
    }
    try {
      Path jar = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(jar)
          ? version + "+" + OutputFiles.sha256(jar).substring(0, 16)
          : version;
    } catch (URISyntaxException | IllegalArgumentException e) {
      return version;
    }
  }
}
