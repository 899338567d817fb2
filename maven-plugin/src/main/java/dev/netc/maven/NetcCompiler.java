package dev.netc.maven;

import com.palantir.javapoet.JavaFile;
import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.codegen.CodegenPolicy;
import dev.netc.codegen.JavaGenerator;
import dev.netc.ir.Network;
import java.util.ArrayList;
import java.util.List;

/** The real {@link NetCompiler}: {@link Frontend}, then {@link JavaGenerator} per network. */
public final class NetcCompiler implements NetCompiler {
  private final CodegenPolicy policy;

  /** A compiler for the default, scalar backend. */
  public NetcCompiler() {
    this(CodegenPolicy.Backend.SCALAR);
  }

  /** A compiler for {@code backend}. */
  public NetcCompiler(CodegenPolicy.Backend backend) {
    this.policy = CodegenPolicy.defaults().withBackend(backend);
  }

  @Override
  public Result compile(String fileName, String source, String packageName) {
    FrontendResult front = Frontend.compile(fileName, source);
    if (front.hasErrors()) {
      return new Result(front.diagnostics(), List.of());
    }
    List<Source> sources = new ArrayList<>();
    for (Network network : front.networks()) {
      JavaFile file = JavaGenerator.generate(network, packageName, policy);
      String dir = packageName.isEmpty() ? "" : packageName.replace('.', '/') + "/";
      sources.add(new Source(dir + file.typeSpec().name() + ".java", file.toString()));
    }
    return new Result(front.diagnostics(), sources);
  }
}
