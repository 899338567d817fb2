package dev.netc.codegen;

import com.palantir.javapoet.JavaFile;
import dev.netc.runtime.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles generated {@link JavaFile}s with the JDK's {@code javax.tools} compiler, in memory, into
 * a fresh class loader whose parent sees {@code netc-runtime}. Several files per call amortize
 * javac's start-up cost.
 */
public final class InMemoryCompiler {

  /** The result of one compilation: loadable classes plus their class files and any warnings. */
  public static final class Compiled {
    private final Map<String, byte[]> classFiles;
    private final List<String> warnings;
    private final ClassLoader loader;

    private Compiled(Map<String, byte[]> classFiles, List<String> warnings, ClassLoader parent) {
      this.classFiles = Collections.unmodifiableMap(classFiles);
      this.warnings = List.copyOf(warnings);
      this.loader = new ClassLoader("netc-generated", parent) {
        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
          byte[] b = classFiles.get(name);
          if (b == null) {
            throw new ClassNotFoundException(name);
          }
          return defineClass(name, b, 0, b.length);
        }
      };
    }

    /** Classes compiled earlier (e.g. read from a {@link ClassCache}), loadable like new ones. */
    public static Compiled of(Map<String, byte[]> classFiles, List<String> warnings) {
      return new Compiled(new LinkedHashMap<>(classFiles), warnings,
          InMemoryCompiler.class.getClassLoader());
    }

    /** Loads a compiled class by binary name, e.g. {@code demo.Xor}. */
    public Class<?> load(String binaryName) {
      try {
        return Class.forName(binaryName, true, loader);
      } catch (ClassNotFoundException e) {
        throw new IllegalArgumentException("no compiled class " + binaryName, e);
      }
    }

    /** The class loader holding every compiled class. */
    public ClassLoader classLoader() {
      return loader;
    }

    /** Class files by binary name (nested classes included), for inspection. */
    public Map<String, byte[]> classFiles() {
      return classFiles;
    }

    /** javac's warnings, rendered; generated code is expected to have none. */
    public List<String> warnings() {
      return warnings;
    }
  }

  /** The module the Vector API backend needs at compile and run time. */
  public static final String VECTOR_MODULE = "jdk.incubator.vector";

  private InMemoryCompiler() {}

  /** True if {@code file} was generated with the Vector API backend. */
  public static boolean usesVectorApi(JavaFile file) {
    return file.toString().contains("import " + VECTOR_MODULE + ".");
  }

  /** Compiles {@code files} together with {@code -Xlint:all}. */
  public static Compiled compile(List<JavaFile> files) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException(
          "no java compiler available: run netc on a JDK, not a JRE");
    }
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    Map<String, byte[]> out = new LinkedHashMap<>();
    List<JavaFileObject> sources = new ArrayList<>();
    for (JavaFile f : files) {
      sources.add(f.toJavaFileObject());
    }
    List<String> options = new ArrayList<>(List.of("-classpath", runtimeClassPath(),
        "-proc:none", "-Xlint:all", "-implicit:none", "-encoding", "UTF-8"));
    if (files.stream().anyMatch(InMemoryCompiler::usesVectorApi)) {
      // The Vector API backend: the incubator module must be added explicitly; its "using
      // incubating module" warning is expected and not a defect of the generated code.
      options.addAll(List.of("--add-modules", VECTOR_MODULE));
    }
    StringWriter javacOutput = new StringWriter();
    try (StandardJavaFileManager std =
            javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8);
        JavaFileManager fm = new MemoryFileManager(std, out)) {
      boolean ok = javac.getTask(javacOutput, fm, diagnostics, options, null, sources).call();
      List<String> warnings = new ArrayList<>();
      StringBuilder errors = new StringBuilder();
      for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
        if ("compiler.warn.incubating.modules".equals(d.getCode())) {
          continue; // asked for with --add-modules: says nothing about the generated code
        }
        String text = render(d);
        if (d.getKind() == Diagnostic.Kind.ERROR) {
          errors.append(text).append('\n');
        } else {
          warnings.add(text);
        }
      }
      if (!ok) {
        throw new IllegalStateException("internal error: generated code does not compile; "
            + "please report this bug\n" + errors + javacOutput);
      }
      return new Compiled(out, warnings, InMemoryCompiler.class.getClassLoader());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String render(Diagnostic<? extends JavaFileObject> d) {
    String where = d.getSource() == null ? "" : d.getSource().getName() + ":" + d.getLineNumber()
        + ": ";
    return where + d.getKind().toString().toLowerCase(Locale.ROOT) + ": "
        + d.getMessage(Locale.ROOT);
  }

  /**
   * Where javac finds {@code netc-runtime}: the jar or directory {@link TensorSpec} was loaded
   * from, plus this JVM's class path (for callers that bundle the runtime differently).
   */
  private static String runtimeClassPath() {
    List<String> entries = new ArrayList<>();
    try {
      var source = TensorSpec.class.getProtectionDomain().getCodeSource();
      if (source != null && source.getLocation() != null) {
        URI uri = source.getLocation().toURI();
        if ("file".equals(uri.getScheme())) {
          entries.add(Path.of(uri).toString());
        }
      }
    } catch (URISyntaxException | SecurityException e) {
      // Fall back to the class path below.
    }
    entries.add(System.getProperty("java.class.path", ""));
    return String.join(File.pathSeparator, entries);
  }

  /** Keeps every class file javac writes in memory. */
  private static final class MemoryFileManager extends ForwardingJavaFileManager<JavaFileManager> {
    private final Map<String, byte[]> out;

    MemoryFileManager(JavaFileManager delegate, Map<String, byte[]> out) {
      super(delegate);
      this.out = out;
    }

    @Override
    public JavaFileObject getJavaFileForOutput(
        Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
      URI uri = URI.create("mem:///" + className.replace('.', '/') + kind.extension);
      return new SimpleJavaFileObject(uri, kind) {
        @Override
        public OutputStream openOutputStream() {
          return new ByteArrayOutputStream() {
            @Override
            public void close() throws IOException {
              super.close();
              out.put(className, toByteArray());
            }
          };
        }
      };
    }
  }
}
