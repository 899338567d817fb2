package dev.netc.ast;

import dev.netc.diag.Reporter;
import dev.netc.grammar.NetcLexer;
import dev.netc.grammar.NetcParser;
import org.antlr.v4.runtime.CharStream;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.LexerNoViableAltException;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.Interval;

/**
 * Lexes and parses a {@code .net} file into an AST, recording every lexer and parser error instead
 * of printing to the console. Always returns a tree; damaged parts are marked for the checker.
 */
public final class SourceParser {
  private SourceParser() {}

  /** Parses {@code source}, recording syntax errors in {@code reporter}. */
  public static SourceNode parse(String source, Reporter reporter) {
    SyntaxErrors errors = new SyntaxErrors(reporter);
    // ANTLR counts only '\n' as a line break; a lone '\r' must count too, as it does when the
    // diagnostic prints the source line.
    CharStream chars = CharStreams.fromString(source.replace("\r\n", "\n").replace('\r', '\n'));
    NetcLexer lexer = new NetcLexer(chars) {
      @Override
      public void notifyListeners(LexerNoViableAltException e) {
        String text = _input.getText(Interval.of(_tokenStartCharIndex, _input.index()));
        String first = text.isEmpty() ? "?" : new String(Character.toChars(text.codePointAt(0)));
        errors.error(_tokenStartLine, _tokenStartCharPositionInLine + 1, 1,
            "unexpected character " + SyntaxErrors.quote(first));
      }
    };
    lexer.removeErrorListeners();
    CommonTokenStream tokens = new CommonTokenStream(lexer);
    tokens.fill();
    for (Token t : tokens.getTokens()) {
      if (t.getType() == NetcLexer.BLOCK_COMMENT
          && !(t.getText().length() >= 4 && t.getText().endsWith("*/"))) {
        errors.error(t.getLine(), t.getCharPositionInLine() + 1, 2,
            "unterminated comment; '/*' needs a matching '*/'");
      }
    }
    NetcParser parser = new NetcParser(tokens);
    parser.removeErrorListeners();
    parser.setErrorHandler(new FriendlyErrorStrategy(errors));
    return new AstBuilder(reporter.file()).build(parser.file());
  }
}
