package dev.netc.runtime.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file all-or-nothing: the bytes go to a temporary file in the same folder, which is
 * flushed to disk and then renamed over the target. A failure at any point leaves the previous
 * target (if any) untouched and removes the temporary file.
 */
public final class AtomicFile {

  /** Produces the content of the file. */
  @FunctionalInterface
  public interface Content {
    /** Writes the whole content to {@code out} (which the caller closes). */
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFile() {}

  /** Atomically replaces {@code target} with {@code bytes}. The parent folder must exist. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /** Atomically replaces {@code target} with what {@code content} writes. */
  public static void write(Path target, Content content) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    Path temp = createTemp(dir, absolute.getFileName().toString());
    boolean moved = false;
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        content.writeTo(out);
        out.flush();
        // Without this a crash right after the rename could leave an empty target on disk.
        channel.force(true);
      }
      try {
        Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * Creates the temporary file with default permissions (unlike {@code Files.createTempFile},
   * which makes it owner-only), so the renamed target gets the same permissions as a plain write.
   */
  private static Path createTemp(Path dir, String name) throws IOException {
    for (int attempt = 0; ; attempt++) {
      String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
      Path temp = dir.resolve("." + name + "." + suffix + ".tmp");
      try {
        Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW).close();
        return temp;
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 9) {
          throw e;
        }
      }
    }
  }
}
