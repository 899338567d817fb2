package dev.netc.codegen;

import com.palantir.javapoet.JavaFile;
import dev.netc.Version;
import dev.netc.runtime.io.AtomicFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Class files of generated sources kept on disk, keyed by a hash of the sources, netc's version
 * and the JDK, so that a second {@code netc train} of the same {@code .net} file skips javac
 * (about half a second of a short run).
 *
 * <p>A caller that can name everything its sources are generated from (a recipe: the network,
 * the package, the policy) can skip generating them too ({@link #compile(String, Supplier)}): a
 * small index file maps the recipe, with this build of netc, to the entry of the sources it
 * gave last time. Generating the Fashion-MNIST MLP's class took 0.8 s of a cold JVM's start,
 * beside the loading of the data it then slowed down (docs/performance.md).
 *
 * <p>The cache is an optimization only: an entry that cannot be read, fails its checksum or
 * cannot be written is ignored and the sources are compiled as if it were not there. Each entry
 * is one file written atomically, so concurrent runs and interrupted writes are harmless, and the
 * directory is safe to delete at any time.
 */
public final class ClassCache {
  /** Bumped whenever the entry format or the javac options change. */
  private static final String FORMAT = "netc-class-cache-1";
  /** Entries kept; older ones (by last use) are deleted when a new one is written. */
  private static final int MAX_ENTRIES = 64;

  private final Path directory;
  /** What identifies this build of the generator in recipe keys; empty: no recipe index. */
  private final Optional<String> build;
  private int hits;

  /** A cache in {@code directory} (created when the first entry is written). */
  public ClassCache(Path directory) {
    this(directory, jarBuild());
  }

  /** A cache whose recipe keys name the generator's build as {@code build} (tests). */
  ClassCache(Path directory, Optional<String> build) {
    this.directory = directory;
    this.build = build;
  }

  /**
   * The jar netc's generator runs from, as its path, size and modification time: a rebuilt jar is
   * another build. Empty when the classes come from anything else (a build's class directories,
   * whose files can change under one name): recipes are then not indexed.
   */
  private static Optional<String> jarBuild() {
    try {
      Path where = Path.of(ClassCache.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI());
      if (!Files.isRegularFile(where)) {
        return Optional.empty();
      }
      return Optional.of(where.toAbsolutePath() + "|" + Files.size(where) + "|"
          + Files.getLastModifiedTime(where).toMillis());
    } catch (Exception e) {
      return Optional.empty(); // no code source, a URI that is no path, an unreadable jar
    }
  }

  /**
   * The compiled classes of the sources {@code generate} makes from {@code recipe}, which must
   * name every input of the generator (the sources are a function of it and of netc's build):
   * when an earlier run of this build indexed the recipe and its entry is intact, from the cache
   * without calling {@code generate}; else as {@link #compile(List)} of what it returns, and the
   * recipe indexed.
   */
  public InMemoryCompiler.Compiled compile(String recipe, Supplier<List<JavaFile>> generate) {
    if (build.isEmpty()) {
      return compile(generate.get());
    }
    Path index = indexFile(recipe, build.get());
    Optional<Path> entry = readIndex(index).map(this::entry);
    Optional<Map<String, byte[]>> cached = entry.flatMap(ClassCache::read);
    if (cached.isPresent()) {
      hits++;
      touch(entry.get());
      touch(index);
      return InMemoryCompiler.Compiled.of(cached.get(), List.of());
    }
    List<JavaFile> files = generate.get();
    String key = sourceKey(files);
    InMemoryCompiler.Compiled compiled = compile(files, key);
    writeIndex(index, key);
    return compiled;
  }

  /**
   * The user's cache directory for netc: the system property {@code netc.cacheDir} or else the
   * environment variable {@code NETC_CACHE_DIR} (either set to {@code off} disables the cache),
   * else {@code $XDG_CACHE_HOME/netc}, else {@code ~/.cache/netc}; empty if disabled or unnamed.
   */
  public static Optional<Path> defaultDirectory() {
    String own = System.getProperty("netc.cacheDir", System.getenv("NETC_CACHE_DIR"));
    if (own != null && !own.isBlank()) {
      return own.equals("off") ? Optional.empty() : Optional.of(Path.of(own));
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Optional.of(Path.of(xdg, "netc"));
    }
    String home = System.getProperty("user.home");
    return home == null || home.isBlank()
        ? Optional.empty() : Optional.of(Path.of(home, ".cache", "netc"));
  }

  /** The compiled classes of {@code files}: from the cache when present, else from javac. */
  public InMemoryCompiler.Compiled compile(List<JavaFile> files) {
    return compile(files, sourceKey(files));
  }

  /** {@link #compile(List)} with the files' {@link #sourceKey}, which the caller has. */
  private InMemoryCompiler.Compiled compile(List<JavaFile> files, String key) {
    Path entry = entry(key);
    Optional<Map<String, byte[]>> cached = read(entry);
    if (cached.isPresent()) {
      hits++;
      touch(entry);
      return InMemoryCompiler.Compiled.of(cached.get(), List.of());
    }
    InMemoryCompiler.Compiled compiled = InMemoryCompiler.compile(files);
    write(entry, compiled.classFiles());
    return compiled;
  }

  /** How many {@link #compile} calls this instance answered from the cache. */
  public int hits() {
    return hits;
  }

  /**
   * The SHA-256, in hex, of the source {@code source} makes from {@code recipe} (which must name
   * every input of it, as for {@link #compile(String, Supplier)}): from the recipe index when an
   * earlier run of this build indexed it, else computed and indexed. What a cache keyed by a
   * generated source (the kernel plans) can use without generating it.
   */
  public String sourceDigest(String recipe, Supplier<String> source) {
    if (build.isEmpty()) {
      return digest(source.get());
    }
    Path index = indexFile("source digest\n" + recipe, build.get());
    Optional<String> indexed = readIndex(index);
    if (indexed.isPresent()) {
      touch(index);
      return indexed.get();
    }
    String d = digest(source.get());
    writeIndex(index, d);
    return d;
  }

  /** The SHA-256 of {@code text} (UTF-8), in hex. */
  public static String digest(String text) {
    return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** The file of class entry {@code key}. */
  private Path entry(String key) {
    return directory.resolve("classes").resolve(key + ".bin");
  }

  /** The index file of {@code recipe} made by {@code build}. */
  private Path indexFile(String recipe, String build) {
    return directory.resolve("recipes").resolve(recipeKey(recipe, build) + ".key");
  }

  /** The key of the class entry of {@code files}: their sources, netc's version, the JVM. */
  private static String sourceKey(List<JavaFile> files) {
    return key(files.stream().map(JavaFile::toString).toList());
  }

  private static String recipeKey(String recipe, String build) {
    MessageDigest sha = sha256();
    update(sha, FORMAT);
    update(sha, "recipe");
    update(sha, Version.get());
    update(sha, System.getProperty("java.vm.vendor", ""));
    update(sha, System.getProperty("java.vm.version", ""));
    update(sha, build);
    update(sha, recipe);
    return HexFormat.of().formatHex(sha.digest());
  }

  /** The source key an index file holds: 64 hex digits, or empty if it holds anything else. */
  private static Optional<String> readIndex(Path index) {
    try {
      String key = Files.readString(index, StandardCharsets.US_ASCII);
      return key.matches("[0-9a-f]{64}") ? Optional.of(key) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // missing or unreadable: generate instead
    }
  }

  private static void writeIndex(Path index, String key) {
    try {
      Files.createDirectories(index.getParent());
      AtomicFile.write(index, key.getBytes(StandardCharsets.US_ASCII));
      evictOldEntries(index.getParent(), "*.key");
    } catch (IOException | RuntimeException e) {
      // Only the next run's generation is not skipped.
    }
  }

  private static String key(List<String> sources) {
    MessageDigest sha = sha256();
    update(sha, FORMAT);
    update(sha, Version.get());
    update(sha, System.getProperty("java.vm.vendor", ""));
    update(sha, System.getProperty("java.vm.version", ""));
    for (String s : sources) {
      update(sha, s);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static void update(MessageDigest sha, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int n = bytes.length;
    sha.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    sha.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** An entry: its class files, then the SHA-256 of everything before it. */
  private static Optional<Map<String, byte[]>> read(Path entry) {
    try {
      byte[] all = Files.readAllBytes(entry);
      if (all.length < 32) {
        return Optional.empty();
      }
      byte[] body = Arrays.copyOf(all, all.length - 32);
      byte[] digest = Arrays.copyOfRange(all, all.length - 32, all.length);
      if (!MessageDigest.isEqual(sha256().digest(body), digest)) {
        return Optional.empty();
      }
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
      if (!FORMAT.equals(in.readUTF())) {
        return Optional.empty();
      }
      Map<String, byte[]> classes = new LinkedHashMap<>();
      for (int n = in.readInt(); n > 0; n--) {
        String name = in.readUTF();
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        classes.put(name, bytes);
      }
      return Optional.of(classes);
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // missing, unreadable or damaged: compile instead
    }
  }

  private void write(Path entry, Map<String, byte[]> classes) {
    try {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(buffer);
      out.writeUTF(FORMAT);
      out.writeInt(classes.size());
      for (Map.Entry<String, byte[]> c : classes.entrySet()) {
        out.writeUTF(c.getKey());
        out.writeInt(c.getValue().length);
        out.write(c.getValue());
      }
      out.flush();
      byte[] body = buffer.toByteArray();
      buffer.write(sha256().digest(body));
      Files.createDirectories(entry.getParent());
      AtomicFile.write(entry, buffer.toByteArray());
      evictOldEntries(entry.getParent(), "*.bin");
    } catch (IOException | RuntimeException e) {
      // A cache that cannot be written only costs the next run a javac call.
    }
  }

  private static void touch(Path entry) {
    try {
      Files.setLastModifiedTime(entry, FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException | RuntimeException e) {
      // Only the eviction order suffers.
    }
  }

  private static void evictOldEntries(Path dir, String glob) throws IOException {
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, glob)) {
      stream.forEach(entries::add);
    }
    if (entries.size() <= MAX_ENTRIES) {
      return;
    }
    entries.sort(Comparator.comparing(ClassCache::lastModified));
    for (Path old : entries.subList(0, entries.size() - MAX_ENTRIES)) {
      try {
        Files.deleteIfExists(old);
      } catch (NoSuchFileException e) {
        // Deleted by a concurrent run.
      }
    }
  }

  private static FileTime lastModified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
