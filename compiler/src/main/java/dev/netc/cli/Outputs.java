package dev.netc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks, before any work is done, that an output can be written: its missing parent directories
 * are created (as the help says), then a temporary file is made and deleted beside it. A run
 * that would train for an hour and then fail to save is stopped at once, with the OS's reason.
 */
final class Outputs {
  private Outputs() {}

  /** Makes sure {@code file} can be written, or throws a one-line user error naming it. */
  static void checkFile(Path file) {
    if (Files.isDirectory(file)) {
      throw new UserException("cannot write '" + file + "': it is a directory");
    }
    checkDirectory(file, file.toAbsolutePath().getParent());
  }

  /** Makes sure {@code dir} exists (created if needed) and files can be written into it. */
  static void checkDirectory(Path dir) {
    checkDirectory(dir, dir.toAbsolutePath());
  }

  private static void checkDirectory(Path output, Path dir) {
    if (dir == null) {
      return;
    }
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        if (!Files.isDirectory(p)) {
          throw new UserException("cannot write '" + output + "': '" + relative(output, p)
              + "' is not a directory");
        }
        break;
      }
    }
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".netc-", ".probe");
      Files.delete(probe);
    } catch (IOException e) {
      throw new UserException("cannot write '" + output + "': " + ModelFile.describe(e));
    }
  }

  /** {@code p} as the user wrote it when it is a prefix of {@code output}'s path. */
  private static String relative(Path output, Path p) {
    Path abs = output.toAbsolutePath();
    for (Path q = output; q != null; q = q.getParent()) {
      if (q.toAbsolutePath().equals(p)) {
        return q.toString();
      }
    }
    return abs.equals(p) ? output.toString() : p.toString();
  }
}
