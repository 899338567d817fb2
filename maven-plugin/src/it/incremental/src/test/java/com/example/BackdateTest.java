package com.example;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs only in the first build: sets every generated source to an old timestamp and records the
 * hash and timestamp of every generated source and class file, so the second build can be checked
 * for untouched outputs.
 */
class BackdateTest {
  static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);

  @Test
  void backdateGeneratedFiles() throws Exception {
    List<String> lines = new ArrayList<>();
    for (String root : List.of("target/generated-sources/netc", "target/classes")) {
      try (Stream<Path> files = Files.walk(Path.of(root))) {
        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
          if (root.startsWith("target/generated-sources")) {
            Files.setLastModifiedTime(f, OLD);
          }
          lines.add(f + "\t" + sha256(f) + "\t" + Files.getLastModifiedTime(f).toMillis());
        }
      }
    }
    Files.write(Path.of("target/first-build.txt"), lines);
  }

  private static String sha256(Path f) throws Exception {
    return HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }
}
