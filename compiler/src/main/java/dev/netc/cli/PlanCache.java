package dev.netc.cli;

import dev.netc.Version;
import dev.netc.codegen.ClassCache;
import dev.netc.codegen.KernelPlan;
import dev.netc.runtime.io.AtomicFile;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Kernel plans chosen by {@link Planner}, one small text file per CPU model, JVM and network
 * (the hash of its generated vector source), in {@code plans/} of the user's netc cache
 * directory ({@link ClassCache#defaultDirectory}). An optimization only: a file that cannot be
 * read or names no known plan is ignored (and the network planned again), one that cannot be
 * written is skipped, and the folder is safe to delete.
 */
final class PlanCache {
  private static final String FORMAT = "netc-plan-1";

  private final Path directory;

  PlanCache(Path directory) {
    this.directory = directory;
  }

  /** The cache under the user's netc cache directory; empty when that is disabled. */
  static Optional<PlanCache> open() {
    return ClassCache.defaultDirectory().map(d -> new PlanCache(d.resolve("plans")));
  }

  /** The folder holding the plan files. */
  Path directory() {
    return directory;
  }

  /** The file of the network whose vector class has source {@code source}, on this machine. */
  Path file(String source) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
    for (String part : List.of(FORMAT, Version.get(), cpuModel(),
        System.getProperty("java.vm.vendor", ""), System.getProperty("java.vm.version", ""),
        source)) {
      sha.update(part.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
    }
    return directory.resolve(HexFormat.of().formatHex(sha.digest(), 0, 16) + ".plan");
  }

  /** A stored plan and the batch size it was timed at (0 where the file does not say). */
  record Entry(KernelPlan plan, int batch) {}

  /** The plan stored for {@code source}, if a readable file names a known one. */
  Optional<KernelPlan> read(String source) {
    return entry(source).map(Entry::plan);
  }

  /** The plan stored for {@code source} and its batch, if a readable file names a known plan. */
  Optional<Entry> entry(String source) {
    try {
      Properties p = new Properties();
      p.load(new StringReader(Files.readString(file(source), StandardCharsets.UTF_8)));
      String plan = p.getProperty("plan");
      if (plan == null) {
        return Optional.empty();
      }
      int batch;
      try {
        batch = Math.max(0, Integer.parseInt(p.getProperty("batch", "0").trim()));
      } catch (NumberFormatException e) {
        batch = 0;
      }
      return Optional.of(new Entry(KernelPlan.parse(plan), batch));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Stores {@code plan} for {@code source} with {@code notes} (what it was chosen from, for a
   * reader); returns the file, or empty if it could not be written.
   */
  Optional<Path> write(String source, KernelPlan plan, Map<String, String> notes) {
    StringBuilder text = new StringBuilder("# netc kernel plan; safe to delete\n");
    Map<String, String> all = new LinkedHashMap<>();
    all.put("plan", plan.id());
    all.put("cpu", cpuModel());
    all.putAll(notes);
    all.forEach((k, v) -> text.append(k).append('=').append(v.replace('\n', ' ')).append('\n'));
    Path target = file(source);
    try {
      Files.createDirectories(directory);
      AtomicFile.write(target, text.toString().getBytes(StandardCharsets.UTF_8));
      return Optional.of(target);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The CPU as {@code /proc/cpuinfo} names it ({@code model name (family F model M)}), else the
   * JVM's architecture: plans are only valid on the microarchitecture they were timed on.
   */
  static String cpuModel() {
    try {
      Map<String, String> info = new LinkedHashMap<>();
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        int colon = line.indexOf(':');
        if (line.isBlank()) {
          break;
        }
        if (colon > 0) {
          info.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
      }
      if (info.containsKey("model name")) {
        return info.get("model name") + " (family " + info.getOrDefault("cpu family", "?")
            + " model " + info.getOrDefault("model", "?") + ")";
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or unreadable: fall through to what the JVM knows.
    }
    return System.getProperty("os.arch", "unknown") + " (" + System.getProperty("os.name", "")
        + ")";
  }
}
