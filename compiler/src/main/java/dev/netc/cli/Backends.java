package dev.netc.cli;

import com.palantir.javapoet.JavaFile;
import dev.netc.codegen.ClassCache;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
import dev.netc.codegen.KernelPlan;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.io.DatasetException;
import dev.netc.runtime.io.SafetensorsException;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Builds the {@link Engine} a command runs on: generated code compiled in memory, or the interpreter. */
final class Backends {
  /** Package of classes the CLI generates and compiles in memory. */
  static final String PACKAGE = "netc.cli.generated";

  private Backends() {}

  /**
   * An engine for {@code net}: the interpreter when asked, else its class from {@code backend},
   * a vector class running {@code plan}, chosen as {@code why} says (for the description; empty
   * where the plan makes no difference).
   */
  static Engine create(Network net, boolean interpret, CodegenPolicy.Backend backend,
      KernelPlan plan, String why) {
    if (interpret) {
      return new DoubleEngine(net, new Interpreter(net), "interpreter");
    }
    Object instance = instantiate(net, backend, plan);
    String planNote = "";
    if (backend == CodegenPolicy.Backend.VECTOR && !why.isEmpty()) {
      KernelPlan running = KernelPlan.running(instance.getClass());
      planNote = ", kernel plan " + running + ": " + why
          + (running.equals(plan) ? "" : "; " + plan + " is wider than this CPU's vectors");
    }
    String name = "generated code (" + backend.name().toLowerCase(Locale.ROOT) + planNote + ")";
    if (instance instanceof FloatNetwork f) {
      return new FloatEngine(net, f, name);
    }
    return new DoubleEngine(net, (DoubleNetwork) instance, name);
  }

  /** The backend named by a {@code --backend} option, or a user error. */
  static CodegenPolicy.Backend parse(String name) {
    try {
      return CodegenPolicy.Backend.parse(name);
    } catch (IllegalArgumentException e) {
      throw new UserException(e.getMessage());
    }
  }

  /** Generates, compiles and instantiates {@code net}'s class with the network's own seed. */
  static Object instantiate(Network net) {
    return instantiate(net, CodegenPolicy.Backend.SCALAR);
  }

  /** Like {@link #instantiate(Network)} with the given backend (the default kernel plan). */
  static Object instantiate(Network net, CodegenPolicy.Backend backend) {
    return instantiate(net, backend, KernelPlan.PREFERRED);
  }

  /**
   * Like {@link #instantiate(Network)} with the given backend; a vector class runs {@code plan}.
   * Every plan shares one source (and one compilation): the plan is handed to the class through
   * its {@code netc.plan.NAME} property while a fresh class loader initializes it.
   */
  static Object instantiate(Network net, CodegenPolicy.Backend backend, KernelPlan plan) {
    if (backend == CodegenPolicy.Backend.VECTOR && !vectorModuleLoaded()) {
      throw new UserException("the vector backend needs the java option --add-modules "
          + InMemoryCompiler.VECTOR_MODULE + " (bin/netc adds it for train, eval and predict, and "
          + "whenever --backend vector is given)");
    }
    Network generated = inMemory(net);
    // The recipe names all the generator reads (records print every component), so a second
    // run from the same jar finds the class without generating its source.
    String recipe = recipe(generated, backend);
    InMemoryCompiler.Compiled compiled = ClassCache.defaultDirectory()
        .map(dir -> new ClassCache(dir).compile(recipe,
            () -> List.of(generate(generated, backend))))
        .orElseGet(() -> InMemoryCompiler.compile(List.of(generate(generated, backend))));
    Class<?> type = load(compiled, PACKAGE + "." + net.name(), plan);
    try {
      return type.getConstructor().newInstance();
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("generated constructor failed", e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate the generated class", e);
    }
  }

  /**
   * {@code net} as the CLI generates its in-memory class: its {@code .net} file by name alone.
   * The path shows only in the class's javadoc, and the class and plan caches are keyed by all
   * the generator reads: with the path, the same network was compiled and planned again (10 s)
   * for every directory it was run from and every spelling of its path.
   */
  static Network inMemory(Network net) {
    String file = net.sourceFile();
    int slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf(java.io.File.separatorChar));
    return slash < 0 ? net : net.withSourceFile(file.substring(slash + 1));
  }

  /** The class the CLI generates for {@code net} with {@code backend}. */
  static JavaFile generate(Network net, CodegenPolicy.Backend backend) {
    return JavaGenerator.generate(net, PACKAGE, policy(backend));
  }

  /**
   * Everything {@link #generate} reads, as text: the package, the policy and the network, every
   * component of their records written out by {@link RecordText} (what a record's generated
   * {@code toString} writes, without bootstrapping it), for the class cache's recipe index.
   */
  static String recipe(Network net, CodegenPolicy.Backend backend) {
    return PACKAGE + "\n" + RecordText.of(policy(backend)) + "\n" + RecordText.of(net);
  }

  private static CodegenPolicy policy(CodegenPolicy.Backend backend) {
    return CodegenPolicy.defaults().withBackend(backend);
  }

  /** Loads and initializes {@code name} with its plan property set to {@code plan}. */
  private static synchronized Class<?> load(InMemoryCompiler.Compiled compiled, String name,
      KernelPlan plan) {
    String key = "netc.plan." + name.substring(name.lastIndexOf('.') + 1);
    String before = System.getProperty(key);
    System.setProperty(key, plan.id());
    try {
      return compiled.load(name);
    } finally {
      if (before == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, before);
      }
    }
  }

  /** True if this JVM was started with the Vector API module the vector backend needs. */
  static boolean vectorModuleLoaded() {
    return ModuleLayer.boot().findModule(InMemoryCompiler.VECTOR_MODULE).isPresent();
  }

  /** Loads weights into the engine, turning file problems into one-line user errors. */
  static void loadWeights(Engine engine, Path weights) {
    try {
      engine.load(weights);
    } catch (SafetensorsException | DatasetException e) {
      throw new UserException(e.getMessage());
    } catch (IOException e) {
      throw new UserException("cannot read '" + weights + "': " + ModelFile.describe(e));
    }
  }
}
