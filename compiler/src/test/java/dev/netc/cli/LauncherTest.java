package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/netc, run with a stand-in for java that prints its arguments and, like the JVM, the
 * incubator warning when it gets the vector module: when the module is added, and that the
 * warning never reaches the user while everything else on stderr does, with java's exit code.
 */
class LauncherTest {
  private static final Path LAUNCHER = Path.of("..", "bin", "netc").toAbsolutePath().normalize();

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run netc(String... args) throws IOException, InterruptedException {
    return netcWithOptions("NETC_JAVA_OPTS", null, args);
  }

  /** bin/netc with the environment variable {@code variable} set to {@code javaOptions}. */
  private Run netcWithOptions(String variable, String javaOptions, String... args)
      throws IOException, InterruptedException {
    Path java = dir.resolve("java");
    Files.writeString(java, """
        #!/usr/bin/env bash
        for a in "$@"; do
          if [ "$a" = "--add-modules" ]; then
            echo "WARNING: Using incubator modules: jdk.incubator.vector" >&2
          fi
        done
        echo "args: $*"
        echo "netc: error: something the user must see" >&2
        exit 3
        """);
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("NETC_JAVA", java.toString());
    pb.environment().put("NETC_JAR", dir.resolve("netc.jar").toString());
    for (String v : List.of("NETC_JAVA_OPTS", "JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS")) {
      pb.environment().remove(v);
    }
    if (javaOptions != null) {
      pb.environment().put(variable, javaOptions);
    }
    pb.redirectOutput(dir.resolve("out.txt").toFile());
    pb.redirectError(dir.resolve("err.txt").toFile());
    int code = pb.start().waitFor();
    return new Run(code, Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8),
        Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
  }

  @Test
  void theVectorModuleIsAddedOnlyWhereItIsUsedAndItsWarningIsDropped() throws Exception {
    assertTrue(Files.isRegularFile(LAUNCHER), LAUNCHER::toString);
    for (String[] args : new String[][] {{"train", "m.net", "--data", "d.csv"},
        {"eval", "m.net"}, {"predict", "m.net"}, {"generate", "m.net", "--backend", "vector"}}) {
      Run r = netc(args);
      assertTrue(r.out().contains("--add-modules jdk.incubator.vector"), r::toString);
      assertEquals("netc: error: something the user must see\n", r.err(), r::toString);
      assertEquals(3, r.code(), r::toString);
    }
    for (String[] args : new String[][] {{"train", "--help"}, {"train", "m.net", "-h"},
        {"eval", "m.net", "--interpret"}, {"train", "m.net", "--backend", "scalar"},
        {"generate", "m.net"}, {"--version"}}) {
      Run r = netc(args);
      assertFalse(r.out().contains("--add-modules"), r::toString);
      assertEquals("netc: error: something the user must see\n", r.err(), r::toString);
      assertEquals(3, r.code(), r::toString);
    }
  }

  @Test
  void theSerialCollectorIsTheDefaultUnlessTheUserNamesOne() throws Exception {
    for (String[] args : new String[][] {{"train", "m.net", "--data", "d.csv"},
        {"generate", "m.net"}, {"--version"}}) {
      Run r = netc(args);
      assertTrue(r.out().contains(" -XX:+UseSerialGC "), r::toString);
    }
    Run mine = netcWithOptions("NETC_JAVA_OPTS", "-Xmx2g -XX:+UseParallelGC", "train", "m.net");
    assertFalse(mine.out().contains("UseSerialGC"), mine::toString);
    assertTrue(mine.out().contains(" -XX:+UseParallelGC "), mine::toString);
    // The JVM reads these itself (so the stand-in does not print them): a second collector
    // on the command line would stop it from starting.
    for (String variable : List.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS")) {
      Run theirs = netcWithOptions(variable, "-XX:+UseG1GC", "train", "m.net");
      assertFalse(theirs.out().contains("UseSerialGC"), theirs::toString);
    }
    Run other = netcWithOptions("NETC_JAVA_OPTS", "-Xmx2g", "train", "m.net");
    assertTrue(other.out().contains(" -XX:+UseSerialGC "), other::toString);
    assertTrue(other.out().contains(" -Xmx2g "), other::toString);
  }
}
