package dev.netc.cli;

import com.palantir.javapoet.JavaFile;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.JavaGenerator;
import dev.netc.ir.Network;
import dev.netc.runtime.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.lang.model.SourceVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code netc [generate] MODEL.net}: writes one Java source per network. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Writes one specialized Java class per network in MODEL.net.")
final class GenerateCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions model;

  @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = "generated",
      description = "Source root to write into (default: ${DEFAULT-VALUE}).")
  Path output;

  @Option(names = {"-p", "--package"}, paramLabel = "PACKAGE", defaultValue = "",
      description = "Java package of the generated classes (default: the unnamed package).")
  String packageName;

  @Option(names = "--backend", paramLabel = "scalar|vector", defaultValue = "scalar",
      description = "Loops in plain Java (default, no dependency) or with the Vector API "
          + "(javac and java then need --add-modules jdk.incubator.vector).")
  String backend;

  @Override
  public Integer call() {
    checkPackageName(packageName);
    CodegenPolicy policy = CodegenPolicy.defaults().withBackend(Backends.parse(backend));
    // Every source is generated before the first is written: a failure leaves all files as
    // they were.
    List<JavaFile> sources = new ArrayList<>();
    for (Network net : model.loadAll(spec.commandLine().getErr())) {
      sources.add(JavaGenerator.generate(net, packageName, policy));
    }
    List<Path> targets = new ArrayList<>();
    for (JavaFile javaFile : sources) {
      targets.add(sourcePath(output, javaFile));
      Outputs.checkFile(targets.get(targets.size() - 1));
    }
    writeAll(targets, sources);
    for (Path p : targets) {
      spec.commandLine().getOut().println("wrote " + p);
    }
    return 0;
  }

  /** Rejects a package that javac would not accept, before anything is written. */
  static void checkPackageName(String packageName) {
    if (packageName.isEmpty()) {
      return;
    }
    for (String part : packageName.split("\\.", -1)) {
      if (!SourceVersion.isIdentifier(part) || SourceVersion.isKeyword(part)) {
        throw new UserException("'" + packageName + "' is not a valid Java package name");
      }
    }
  }

  /** Where javac expects the file: {@code DIR/<package path>/<Class>.java}. */
  static Path sourcePath(Path root, JavaFile javaFile) {
    Path dir = root;
    if (!javaFile.packageName().isEmpty()) {
      for (String part : javaFile.packageName().split("\\.")) {
        dir = dir.resolve(part);
      }
    }
    return dir.resolve(javaFile.typeSpec().name() + ".java");
  }

  /**
   * Writes every source, or none: when one write fails, the files written before it get their
   * previous contents back (or are removed if they are new).
   */
  private static void writeAll(List<Path> targets, List<JavaFile> sources) {
    List<byte[]> before = new ArrayList<>();
    int i = 0;
    try {
      for (; i < targets.size(); i++) {
        Path target = targets.get(i);
        before.add(Files.exists(target) ? Files.readAllBytes(target) : null);
        AtomicFile.write(target, sources.get(i).toString().getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      for (int k = 0; k < i; k++) {
        restore(targets.get(k), before.get(k));
      }
      throw new UserException("cannot write '" + targets.get(i) + "': " + ModelFile.describe(e)
          + (i > 0 ? "; none of the " + targets.size() + " sources was written" : ""));
    }
  }

  private static void restore(Path target, byte[] previous) {
    try {
      if (previous == null) {
        Files.deleteIfExists(target);
      } else {
        AtomicFile.write(target, previous);
      }
    } catch (IOException e) {
      // Best effort: the error being reported is the write that failed.
    }
  }
}
