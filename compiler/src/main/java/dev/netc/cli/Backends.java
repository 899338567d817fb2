package dev.netc.cli;

import com.palantir.javapoet.JavaFile;
import dev.netc.codegen.ClassCache;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.InMemoryCompiler;
import dev.netc.codegen.JavaGenerator;
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

  /** An engine for {@code net}: the interpreter when asked, else its class from {@code backend}. */
  static Engine create(Network net, boolean interpret, CodegenPolicy.Backend backend) {
    if (interpret) {
      return new DoubleEngine(net, new Interpreter(net), "interpreter");
    }
    Object instance = instantiate(net, backend);
    String name = "generated code (" + backend.name().toLowerCase(Locale.ROOT) + ")";
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

  /** Like {@link #instantiate(Network)} with the given backend. */
  static Object instantiate(Network net, CodegenPolicy.Backend backend) {
    if (backend == CodegenPolicy.Backend.VECTOR && !vectorModuleLoaded()) {
      throw new UserException("the vector backend needs the java option --add-modules "
          + InMemoryCompiler.VECTOR_MODULE + " (bin/netc adds it for train, eval and predict, and "
          + "whenever --backend vector is given)");
    }
    JavaFile file = JavaGenerator.generate(net, PACKAGE,
        CodegenPolicy.defaults().withBackend(backend));
    InMemoryCompiler.Compiled compiled = ClassCache.defaultDirectory()
        .map(dir -> new ClassCache(dir).compile(List.of(file)))
        .orElseGet(() -> InMemoryCompiler.compile(List.of(file)));
    Class<?> type = compiled.load(PACKAGE + "." + file.typeSpec().name());
    try {
      return type.getConstructor().newInstance();
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("generated constructor failed", e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate the generated class", e);
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
