package dev.netc.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a new JVM like this one (same java, class path and JVM options, plus the
 * Vector API module). Kernel variants are timed there, one JVM each: HotSpot shares the Vector
 * API's own code between every class of a process, and once two vector widths have run in one
 * JVM the second no longer compiles to plain vector instructions (it boxes its vectors: 16 KB
 * per call of a small network's gradient, measured on JDK 17), so a variant is only measured
 * fairly, and only runs at full speed, in a JVM that runs no other.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** What a child printed on standard output, and its exit code. */
  public record Outcome(int exitCode, String out, String err) {}

  /** Runs {@code mainClass} with {@code args}; fails if it takes longer than {@code seconds}. */
  public static Outcome run(String mainClass, List<String> args, long seconds)
      throws IOException, InterruptedException {
    return run(List.of(), mainClass, args, seconds);
  }

  /**
   * Like {@link #run(String, List, long)} with extra JVM options after this JVM's (a system
   * property among them replaces this JVM's).
   */
  public static Outcome run(List<String> jvmOptions, String mainClass, List<String> args,
      long seconds) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(inherited(ManagementFactory.getRuntimeMXBean().getInputArguments()));
    cmd.add("--add-modules=jdk.incubator.vector");
    String cacheDir = System.getProperty("netc.cacheDir");
    if (cacheDir != null) {
      cmd.add("-Dnetc.cacheDir=" + cacheDir);
    }
    // After this JVM's: a property given here wins (the last -D of a name does).
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).start();
    p.getOutputStream().close();
    StringBuilder err = new StringBuilder();
    Thread t = new Thread(() -> err.append(read(p.getErrorStream())));
    t.start();
    String out = read(p.getInputStream());
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(mainClass + " took longer than " + seconds + " s");
    }
    t.join();
    return new Outcome(p.exitValue(), out, err.toString());
  }

  /**
   * The options of this JVM that a child gets: all but those that write files (a class-data
   * archive, a flight recording or a log: each child would overwrite this JVM's file), print
   * logs among its output, or attach agents and debuggers.
   */
  static List<String> inherited(List<String> options) {
    List<String> kept = new ArrayList<>();
    for (String a : options) {
      if (!a.startsWith("-XX:ArchiveClassesAtExit") && !a.startsWith("-XX:StartFlightRecording")
          && !a.startsWith("-XX:FlightRecorderOptions") && !a.startsWith("-Xlog")
          && !a.startsWith("-verbose") && !a.startsWith("-javaagent")
          && !a.startsWith("-agentlib") && !a.startsWith("-Xrunjdwp")) {
        kept.add(a);
      }
    }
    return kept;
  }

  private static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
