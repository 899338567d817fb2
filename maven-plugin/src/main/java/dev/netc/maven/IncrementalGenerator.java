package dev.netc.maven;

import dev.netc.diag.Diagnostic;
import dev.netc.diag.Diagnostic.Severity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Generates Java sources for the {@code .net} files of one source directory, redoing only what
 * changed since the last run of the same execution (recorded in a {@link BuildState} file). Outputs
 * whose bytes would not change are never rewritten, so their timestamps stay and downstream
 * compilation is not redone; outputs of deleted or renamed inputs are removed; files this execution
 * did not generate are never touched.
 */
final class IncrementalGenerator {
  private final NetCompiler compiler;
  private final String versionKey;

  /**
   * @param versionKey identifies the netc build; when it changes every input is regenerated
   */
  IncrementalGenerator(NetCompiler compiler, String versionKey) {
    this.compiler = Objects.requireNonNull(compiler, "compiler");
    this.versionKey = Objects.requireNonNull(versionKey, "versionKey");
  }

  /**
   * One run.
   *
   * @param packageName a fixed package for every file, or empty to derive it from the folders
   */
  record Request(Path sourceDirectory, Path outputDirectory, Path stateFile,
      Optional<String> packageName) {}

  /** The diagnostics of one input file, with its text for the caret lines. */
  record FileReport(Path file, String source, List<Diagnostic> diagnostics) {
    /** Copies the list. */
    FileReport {
      diagnostics = List.copyOf(diagnostics);
    }
  }

  /** What a run did. */
  record Outcome(List<FileReport> reports, int inputs, int compiled, List<Path> written,
      List<Path> deleted) {
    /** Copies the lists. */
    Outcome {
      reports = List.copyOf(reports);
      written = List.copyOf(written);
      deleted = List.copyOf(deleted);
    }

    /** Number of diagnostics of {@code severity} over all files. */
    long count(Severity severity) {
      return reports.stream().flatMap(r -> r.diagnostics().stream())
          .filter(d -> d.severity() == severity).count();
    }
  }

  /**
   * One input during a run: its outputs (path → hash) and, when it was just compiled without
   * errors, the sources to write ({@code null} when up to date or failed).
   */
  private static final class Planned {
    final String hash;
    final Map<String, String> previous;
    Map<String, String> outputs;
    final List<NetCompiler.Source> sources;
    final List<Diagnostic> diagnostics = new ArrayList<>();
    String text = "";

    Planned(String hash, Map<String, String> previous, Map<String, String> outputs,
        List<NetCompiler.Source> sources) {
      this.hash = hash;
      this.previous = previous;
      this.outputs = outputs;
      this.sources = sources;
    }

    boolean failed() {
      return diagnostics.stream().anyMatch(d -> d.severity() == Severity.ERROR);
    }
  }

  /** Runs the generation; IOExceptions are real I/O failures, not user mistakes. */
  Outcome run(Request req) throws IOException {
    String key = versionKey + "|package=" + req.packageName().orElse("");
    BuildState old = BuildState.read(req.stateFile());
    boolean sameKey = old.key().equals(key);
    Path out = req.outputDirectory();
    List<String> inputs = scan(req.sourceDirectory());

    Map<String, Planned> plan = new LinkedHashMap<>();
    int compiled = 0;
    for (String rel : inputs) {
      byte[] bytes = Files.readAllBytes(req.sourceDirectory().resolve(rel));
      String hash = OutputFiles.sha256(bytes);
      BuildState.Entry prev = old.inputs().get(rel);
      Map<String, String> previous = prev == null ? Map.of() : prev.outputs();
      if (sameKey && prev != null && prev.hash().equals(hash) && intact(previous, out)) {
        plan.put(rel, new Planned(hash, previous, previous, null));
        continue;
      }
      compiled++;
      String text = new String(bytes, StandardCharsets.UTF_8);
      plan.put(rel, compile(rel, text, hash, previous, req.packageName()));
    }

    claimOutputs(plan);

    List<Path> written = new ArrayList<>();
    for (Planned p : plan.values()) {
      if (p.sources != null && !p.failed()) {
        for (NetCompiler.Source s : p.sources) {
          Path target = out.resolve(s.relativePath());
          if (OutputFiles.writeIfChanged(target, s.content())) {
            written.add(target);
          }
        }
      }
    }

    Set<String> kept = new HashSet<>();
    plan.values().forEach(p -> kept.addAll(p.outputs.keySet()));
    List<Path> deleted = new ArrayList<>();
    for (String stale : old.allOutputs()) {
      if (!kept.contains(stale) && OutputFiles.deleteAndPrune(out.resolve(stale), out)) {
        deleted.add(out.resolve(stale));
      }
    }

    TreeMap<String, BuildState.Entry> entries = new TreeMap<>();
    List<FileReport> reports = new ArrayList<>();
    plan.forEach((rel, p) -> {
      String hash = p.failed() ? "" : p.hash;
      entries.put(rel, new BuildState.Entry(hash, new TreeMap<>(p.outputs)));
      if (!p.diagnostics.isEmpty()) {
        reports.add(new FileReport(req.sourceDirectory().resolve(rel), p.text, p.diagnostics));
      }
    });
    Files.createDirectories(req.stateFile().toAbsolutePath().getParent());
    OutputFiles.writeIfChanged(req.stateFile(), new BuildState(key, entries).render());
    return new Outcome(reports, inputs.size(), compiled, written, deleted);
  }

  private Planned compile(String rel, String text, String hash, Map<String, String> previous,
      Optional<String> fixedPackage) {
    PackageNames.Derived pkg =
        fixedPackage.map(PackageNames.Derived::of).orElseGet(() -> PackageNames.derive(rel));
    Planned p;
    if (pkg.packageName().isEmpty()) {
      p = new Planned(hash, previous, Map.of(), null);
      p.diagnostics.add(new Diagnostic(Severity.ERROR, rel, 1, 1, 1, pkg.problem()));
    } else {
      NetCompiler.Result r = compiler.compile(rel, text, pkg.packageName().get());
      Map<String, String> outputs = new HashMap<>();
      for (NetCompiler.Source s : r.sources()) {
        outputs.put(s.relativePath(),
            OutputFiles.sha256(s.content().getBytes(StandardCharsets.UTF_8)));
      }
      p = new Planned(hash, previous, outputs, r.hasErrors() ? null : r.sources());
      p.diagnostics.addAll(r.diagnostics());
    }
    p.text = text;
    return p;
  }

  /**
   * Two inputs must not generate the same class. Outputs of up-to-date inputs are claimed first,
   * so the error lands on the file that just changed. A failed input writes nothing and keeps
   * recording its previous outputs (so they are cleaned up once it goes away), except those that
   * another input now generates.
   */
  private static void claimOutputs(Map<String, Planned> plan) {
    Map<String, String> owner = new HashMap<>();
    for (boolean upToDatePass : new boolean[] {true, false}) {
      plan.forEach((rel, p) -> {
        if ((p.sources == null) != upToDatePass || p.failed()) {
          return;
        }
        for (String o : p.outputs.keySet()) {
          String other = owner.putIfAbsent(o, rel);
          if (other != null) {
            p.diagnostics.add(new Diagnostic(Severity.ERROR, rel, 1, 1, 1, "class '"
                + o.replace('/', '.').replaceAll("\\.java$", "") + "' is also generated from '"
                + other + "'"));
          }
        }
      });
    }
    plan.values().forEach(p -> {
      if (p.failed()) {
        Map<String, String> mine = new HashMap<>(p.previous);
        mine.keySet().removeIf(o -> owner.containsKey(o) && plan.get(owner.get(o)) != p);
        p.outputs = mine;
      }
    });
  }

  private static boolean intact(Map<String, String> outputs, Path out) throws IOException {
    for (Map.Entry<String, String> e : outputs.entrySet()) {
      if (!OutputFiles.sha256OrEmpty(out.resolve(e.getKey())).equals(e.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** The {@code .net} files under {@code dir}, as sorted {@code /}-separated relative paths. */
  static List<String> scan(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".net"))
          .map(f -> dir.relativize(f).toString().replace('\\', '/'))
          .sorted()
          .toList();
    }
  }
}
