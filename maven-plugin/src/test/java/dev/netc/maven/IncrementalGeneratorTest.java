package dev.netc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.diag.Diagnostic;
import dev.netc.diag.Diagnostic.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The incremental rules, with a small line-based compiler standing in for netc: each line
 * {@code network NAME} gives a class NAME, a line {@code oops} an error at that line.
 */
class IncrementalGeneratorTest {
  private static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);

  @TempDir Path tmp;
  private Path src;
  private Path out;
  private final List<String> compiledFiles = new ArrayList<>();

  private final NetCompiler lines = (fileName, source, pkg) -> {
    compiledFiles.add(fileName);
    List<Diagnostic> diags = new ArrayList<>();
    List<NetCompiler.Source> sources = new ArrayList<>();
    String[] ls = source.split("\n");
    for (int i = 0; i < ls.length; i++) {
      if (ls[i].startsWith("network ")) {
        String name = ls[i].substring("network ".length()).trim();
        sources.add(new NetCompiler.Source(pkg.replace('.', '/') + "/" + name + ".java",
            "package " + pkg + ";\n/** From " + fileName + ". */\nclass " + name + " {}\n"));
      } else if (ls[i].equals("oops")) {
        diags.add(new Diagnostic(Severity.ERROR, fileName, i + 1, 1, 4, "unexpected 'oops'"));
      } else if (ls[i].equals("hmm")) {
        diags.add(new Diagnostic(Severity.WARNING, fileName, i + 1, 1, 3, "suspicious 'hmm'"));
      }
    }
    return new NetCompiler.Result(diags, sources);
  };

  @BeforeEach
  void setUp() throws IOException {
    src = Files.createDirectories(tmp.resolve("src/main/netc"));
    out = tmp.resolve("target/generated-sources/netc");
  }

  private IncrementalGenerator.Outcome run(String version, String stateName) throws IOException {
    compiledFiles.clear();
    return new IncrementalGenerator(lines, version).run(new IncrementalGenerator.Request(
        src, out, tmp.resolve("target/netc-state/" + stateName), Optional.empty()));
  }

  private IncrementalGenerator.Outcome run() throws IOException {
    return run("1.0", "generate-default.state");
  }

  private void write(String rel, String text) throws IOException {
    Path p = src.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private void ageOutputs() throws IOException {
    try (var files = Files.walk(out)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        Files.setLastModifiedTime(p, OLD);
      }
    }
  }

  @Test
  void firstRunGeneratesOneClassPerNetworkInTheFolderPackage() throws IOException {
    write("com/acme/models.net", "network Xor\nnetwork Iris\n");
    var outcome = run();
    assertEquals(1, outcome.compiled());
    assertEquals(2, outcome.written().size());
    assertTrue(Files.readString(out.resolve("com/acme/Xor.java")).startsWith("package com.acme;"));
    assertTrue(Files.exists(out.resolve("com/acme/Iris.java")));
  }

  @Test
  void secondRunCompilesNothingAndTouchesNothing() throws IOException {
    write("com/acme/xor.net", "network Xor\n");
    write("b/other.net", "network Other\n");
    run();
    ageOutputs();
    var outcome = run();
    assertEquals(0, outcome.compiled());
    assertEquals(List.of(), outcome.written());
    assertEquals(List.of(), compiledFiles);
    assertEquals(OLD, Files.getLastModifiedTime(out.resolve("com/acme/Xor.java")));
    assertEquals(OLD, Files.getLastModifiedTime(out.resolve("b/Other.java")));
  }

  @Test
  void onlyTheChangedFileIsRecompiled() throws IOException {
    write("a/one.net", "network One\n");
    write("b/two.net", "network Two\n");
    run();
    ageOutputs();
    write("b/two.net", "network Two\nnetwork Three\n");
    var outcome = run();
    assertEquals(List.of("b/two.net"), compiledFiles);
    assertEquals(List.of(out.resolve("b/Three.java")), outcome.written());
    assertEquals(OLD, Files.getLastModifiedTime(out.resolve("a/One.java")));
    // Two.java has the same bytes as before: recompiled but not rewritten.
    assertEquals(OLD, Files.getLastModifiedTime(out.resolve("b/Two.java")));
  }

  @Test
  void newVersionRecompilesEverythingButRewritesOnlyChangedBytes() throws IOException {
    write("a/one.net", "network One\n");
    run("1.0", "s");
    ageOutputs();
    var outcome = run("2.0", "s");
    assertEquals(List.of("a/one.net"), compiledFiles);
    assertEquals(List.of(), outcome.written());
    assertEquals(OLD, Files.getLastModifiedTime(out.resolve("a/One.java")));
  }

  @Test
  void deletedInputLosesItsOutputsAndEmptyPackageFolders() throws IOException {
    write("a/one.net", "network One\n");
    write("b/c/two.net", "network Two\n");
    Files.createDirectories(out.resolve("b"));
    Files.writeString(out.resolve("b/Handwritten.java"), "class Handwritten {}");
    run();
    Files.delete(src.resolve("b/c/two.net"));
    var outcome = run();
    assertEquals(List.of(out.resolve("b/c/Two.java")), outcome.deleted());
    assertFalse(Files.exists(out.resolve("b/c")));
    assertTrue(Files.exists(out.resolve("b/Handwritten.java")), "not ours: never touched");
    assertTrue(Files.exists(out.resolve("a/One.java")));
  }

  @Test
  void renamedNetworkReplacesTheOldClass() throws IOException {
    write("a/one.net", "network One\n");
    run();
    write("a/one.net", "network Uno\n");
    var outcome = run();
    assertEquals(List.of(out.resolve("a/One.java")), outcome.deleted());
    assertTrue(Files.exists(out.resolve("a/Uno.java")));
  }

  @Test
  void renamedFileMovesItsOutputs() throws IOException {
    write("a/one.net", "network One\n");
    run();
    Files.move(src.resolve("a/one.net"), Files.createDirectories(src.resolve("z"))
        .resolve("one.net"));
    run();
    assertFalse(Files.exists(out.resolve("a/One.java")));
    assertTrue(Files.exists(out.resolve("z/One.java")));
  }

  @Test
  void anotherExecutionsOutputsAreNeverTouched() throws IOException {
    write("a/one.net", "network One\n");
    run("1.0", "generate-first.state");
    Files.delete(src.resolve("a/one.net"));
    write("b/two.net", "network Two\n");
    var second = run("1.0", "generate-second.state");
    assertEquals(List.of(), second.deleted());
    assertTrue(Files.exists(out.resolve("a/One.java")));
    var first = run("1.0", "generate-first.state");
    assertEquals(List.of(out.resolve("a/One.java")), first.deleted());
    assertTrue(Files.exists(out.resolve("b/Two.java")), "the second execution's output stays");
  }

  @Test
  void editedOrDeletedOutputIsRegenerated() throws IOException {
    write("a/one.net", "network One\nnetwork Two\n");
    run();
    String original = Files.readString(out.resolve("a/One.java"));
    Files.writeString(out.resolve("a/One.java"), "broken");
    Files.delete(out.resolve("a/Two.java"));
    var outcome = run();
    assertEquals(1, outcome.compiled());
    assertEquals(original, Files.readString(out.resolve("a/One.java")));
    assertTrue(Files.exists(out.resolve("a/Two.java")));
  }

  @Test
  void errorsAreReportedPerFileAndNothingIsWrittenForThatFile() throws IOException {
    write("a/good.net", "network Good\n");
    write("a/bad.net", "network Bad\noops\noops\n");
    var outcome = run();
    assertEquals(2, outcome.count(Severity.ERROR));
    assertEquals(1, outcome.reports().size());
    var report = outcome.reports().get(0);
    assertEquals(src.resolve("a/bad.net"), report.file());
    assertEquals(List.of(2, 3), report.diagnostics().stream().map(Diagnostic::line).toList());
    assertFalse(Files.exists(out.resolve("a/Bad.java")));
    assertTrue(Files.exists(out.resolve("a/Good.java")));
    // A file with errors is compiled again next time, so its errors are reported again.
    assertEquals(2, run().count(Severity.ERROR));
    assertEquals(List.of("a/bad.net"), compiledFiles);
  }

  @Test
  void fixingAnErrorGeneratesTheClass() throws IOException {
    write("a/bad.net", "network Bad\noops\n");
    run();
    write("a/bad.net", "network Bad\n");
    var outcome = run();
    assertEquals(0, outcome.count(Severity.ERROR));
    assertTrue(Files.exists(out.resolve("a/Bad.java")));
  }

  @Test
  void fileWithErrorsKeepsItsPreviousClassesUntilItIsDeleted() throws IOException {
    write("a/one.net", "network One\n");
    run();
    write("a/one.net", "network One\noops\n");
    var broken = run();
    assertEquals(List.of(), broken.deleted());
    assertTrue(Files.exists(out.resolve("a/One.java")), "old class stays while the file is broken");
    Files.delete(src.resolve("a/one.net"));
    assertEquals(List.of(out.resolve("a/One.java")), run().deleted());
  }

  @Test
  void warningsAreReportedButDoNotStopGeneration() throws IOException {
    write("a/w.net", "network W\nhmm\n");
    var outcome = run();
    assertEquals(1, outcome.count(Severity.WARNING));
    assertTrue(Files.exists(out.resolve("a/W.java")));
  }

  @Test
  void twoFilesGeneratingTheSameClassIsAnErrorOnTheChangedOne() throws IOException {
    write("a/first.net", "network Same\n");
    run();
    write("a/second.net", "network Same\n");
    var outcome = run();
    assertEquals(1, outcome.count(Severity.ERROR));
    Diagnostic d = outcome.reports().get(0).diagnostics().get(0);
    assertEquals("a/second.net", d.file());
    assertEquals("class 'a.Same' is also generated from 'a/first.net'", d.message());
    assertTrue(Files.readString(out.resolve("a/Same.java")).contains("From a/first.net"));
  }

  @Test
  void rootFileGetsAPackageNamedAfterItAndBadFolderIsAnError() throws IOException {
    write("xor.net", "network Xor\n");
    write("my-models/m.net", "network M\n");
    var outcome = run();
    assertTrue(Files.exists(out.resolve("xor/Xor.java")));
    assertEquals(1, outcome.count(Severity.ERROR));
    Diagnostic d = outcome.reports().get(0).diagnostics().get(0);
    assertEquals("folder 'my-models' is not a valid java package name; rename it or set"
        + " <packageName>", d.message());
  }

  @Test
  void fixedPackageOverridesFoldersAndIsPartOfTheKey() throws IOException {
    write("a/one.net", "network One\n");
    run();
    var outcome = new IncrementalGenerator(lines, "1.0").run(new IncrementalGenerator.Request(
        src, out, tmp.resolve("target/netc-state/generate-default.state"),
        Optional.of("org.example.nets")));
    assertEquals(1, outcome.compiled());
    assertTrue(Files.exists(out.resolve("org/example/nets/One.java")));
    assertFalse(Files.exists(out.resolve("a/One.java")));
  }

  @Test
  void missingSourceDirectoryStillCleansUp() throws IOException {
    write("a/one.net", "network One\n");
    run();
    Files.delete(src.resolve("a/one.net"));
    Files.delete(src.resolve("a"));
    Files.delete(src);
    var outcome = run();
    assertEquals(0, outcome.inputs());
    assertEquals(1, outcome.deleted().size());
  }
}
