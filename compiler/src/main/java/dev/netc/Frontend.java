package dev.netc;

import dev.netc.ast.SourceNode;
import dev.netc.ast.SourceParser;
import dev.netc.check.Checker;
import dev.netc.diag.Reporter;
import dev.netc.ir.Network;
import java.util.List;

/**
 * The front end in one call: parse a {@code .net} file, check it and lower it to the IR. Every
 * lexer, parser and semantic error of the file is reported in one pass.
 */
public final class Frontend {
  private Frontend() {}

  /**
   * Compiles the text of one {@code .net} file.
   *
   * @param fileName the name used in diagnostics and recorded in each network
   * @param source the whole file
   */
  public static FrontendResult compile(String fileName, String source) {
    Reporter reporter = new Reporter(fileName);
    SourceNode ast = SourceParser.parse(source, reporter);
    List<Network> networks = Checker.check(ast, reporter);
    return new FrontendResult(fileName, source, reporter.hasErrors() ? List.of() : networks,
        reporter.sorted());
  }
}
