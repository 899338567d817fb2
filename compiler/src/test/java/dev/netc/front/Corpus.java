package dev.netc.front;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The test corpus of {@code .net} files under {@code src/test/resources/front}. */
final class Corpus {
  static final Path ROOT = Path.of("src", "test", "resources", "front");

  private Corpus() {}

  /** The {@code .net} files of one folder ({@code good} or {@code bad}), sorted by name. */
  static List<Path> files(String folder) {
    try (Stream<Path> s = Files.list(ROOT.resolve(folder))) {
      return s.filter(p -> p.toString().endsWith(".net")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text of a file, read as UTF-8. */
  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file name without the {@code .net} extension. */
  static String stem(Path p) {
    String name = p.getFileName().toString();
    return name.substring(0, name.length() - ".net".length());
  }
}
