package dev.netc.maven;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one execution generated last time: the netc version and configuration it ran with, and per
 * input file its hash and the outputs (with their hashes) it produced. Stored as a small sorted
 * text file so it is deterministic and easy to inspect.
 *
 * @param key the netc version and configuration; a different key makes every input stale
 * @param inputs per input path (relative to the source directory) what was produced
 */
record BuildState(String key, SortedMap<String, Entry> inputs) {
  private static final String MAGIC = "netc-state 1";

  /** One input file: its content hash ({@code ""} when it had errors) and its outputs. */
  record Entry(String hash, SortedMap<String, String> outputs) {
    /** Copies the outputs. */
    Entry {
      Objects.requireNonNull(hash, "hash");
      outputs = new TreeMap<>(outputs);
    }
  }

  /** Copies the map. */
  BuildState {
    Objects.requireNonNull(key, "key");
    inputs = new TreeMap<>(inputs);
  }

  /** An empty state: nothing generated yet. */
  static BuildState empty(String key) {
    return new BuildState(key, new TreeMap<>());
  }

  /** Every output of every input, relative to the output directory. */
  List<String> allOutputs() {
    List<String> all = new ArrayList<>();
    for (Entry e : inputs.values()) {
      all.addAll(e.outputs().keySet());
    }
    return all;
  }

  /**
   * Reads a state file; a missing or unreadable file gives an empty state, which only costs a full
   * regeneration (outputs with unchanged bytes are still left untouched).
   */
  static BuildState read(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return empty("");
    }
    if (lines.size() < 2 || !lines.get(0).equals(MAGIC) || !lines.get(1).startsWith("key\t")) {
      return empty("");
    }
    String key = lines.get(1).substring("key\t".length());
    SortedMap<String, Entry> inputs = new TreeMap<>();
    String current = null;
    for (String line : lines.subList(2, lines.size())) {
      String[] f = line.split("\t", -1);
      if (f.length == 3 && f[0].equals("input")) {
        current = f[1];
        inputs.put(current, new Entry(f[2], new TreeMap<>()));
      } else if (f.length == 3 && f[0].equals("output") && current != null) {
        inputs.get(current).outputs().put(f[1], f[2]);
      } else {
        return empty("");
      }
    }
    return new BuildState(key, inputs);
  }

  /** Renders the state; the same state always gives the same text. */
  String render() {
    StringBuilder sb = new StringBuilder(MAGIC).append('\n');
    sb.append("key\t").append(key).append('\n');
    for (Map.Entry<String, Entry> in : inputs.entrySet()) {
      sb.append("input\t").append(in.getKey()).append('\t').append(in.getValue().hash())
          .append('\n');
      for (Map.Entry<String, String> out : in.getValue().outputs().entrySet()) {
        sb.append("output\t").append(out.getKey()).append('\t').append(out.getValue()).append('\n');
      }
    }
    return sb.toString();
  }
}
