package dev.netc.maven;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** File helpers: content hashes, atomic writes that skip identical content, tidy deletes. */
final class OutputFiles {
  private OutputFiles() {}

  /** SHA-256 of {@code bytes} in hex. */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** SHA-256 of a file's content in hex, streamed (used for jars). */
  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** SHA-256 of a file's content, or {@code ""} when it does not exist. */
  static String sha256OrEmpty(Path file) throws IOException {
    try {
      return sha256(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return "";
    }
  }

  /**
   * Writes {@code content} to {@code file} unless it already holds exactly these bytes, through a
   * temporary file in the same folder and a rename, so readers never see a half-written file.
   *
   * @return whether the file was (re)written
   */
  static boolean writeIfChanged(Path file, String content) throws IOException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), bytes)) {
      return false;
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.write(tmp, bytes);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    return true;
  }

  /**
   * Deletes {@code file} and then its parent folders up to (not including) {@code root} while they
   * are empty, so removing the last network of a package leaves no empty package folder behind.
   *
   * @return whether the file existed
   */
  static boolean deleteAndPrune(Path file, Path root) throws IOException {
    boolean existed = Files.deleteIfExists(file);
    Path absRoot = root.toAbsolutePath().normalize();
    for (Path dir = file.toAbsolutePath().normalize().getParent();
        dir != null && dir.startsWith(absRoot) && !dir.equals(absRoot);
        dir = dir.getParent()) {
      try {
        Files.delete(dir);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        break;
      }
    }
    return existed;
  }
}
