package dev.netc.ast;

import dev.netc.diag.Suggest;
import dev.netc.grammar.NetcParser;
import java.util.List;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.InputMismatchException;
import org.antlr.v4.runtime.NoViableAltException;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.RuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * ANTLR's recovery with messages a user can act on: "expected a layer size after 'dense', found
 * 'relu'" instead of "mismatched input 'relu' expecting NUMBER". It also recovers at statement
 * level: an unknown statement is skipped up to the next statement keyword, so the rest of the
 * network is still checked.
 */
final class FriendlyErrorStrategy extends DefaultErrorStrategy {
  private static final List<String> STATEMENTS =
      List.of("input", "dense", "conv2d", "maxpool", "avgpool", "flatten", "loss", "optimizer",
          "init", "precision");
  private static final IntervalSet STATEMENT_STOP = new IntervalSet(NetcParser.INPUT,
      NetcParser.DENSE, NetcParser.CONV2D, NetcParser.MAXPOOL, NetcParser.AVGPOOL,
      NetcParser.FLATTEN, NetcParser.LOSS, NetcParser.OPTIMIZER, NetcParser.INIT,
      NetcParser.PRECISION, NetcParser.RBRACE, NetcParser.NETWORK, Token.EOF);

  private final SyntaxErrors errors;

  FriendlyErrorStrategy(SyntaxErrors errors) {
    this.errors = errors;
  }

  @Override
  public void sync(Parser p) {
    RuleContext ctx = p.getContext();
    Token t = p.getCurrentToken();
    int type = t.getType();
    boolean inStatementLoop = ctx instanceof NetcParser.NetworkContext
        && p.getExpectedTokens().contains(NetcParser.RBRACE);
    if (inStatementLoop && (type == Token.EOF || type == NetcParser.NETWORK)) {
      // A missing '}': leave the loop so that matching '}' reports it where it belongs.
      return;
    }
    if (inStatementLoop && !STATEMENT_STOP.contains(type)) {
      if (!inErrorRecoveryMode(p)) {
        errors.error(t, unknownStatement(p, t));
      }
      skipUntil(p, STATEMENT_STOP);
      return;
    }
    if (ctx instanceof NetcParser.FileContext && type != NetcParser.NETWORK && type != Token.EOF) {
      if (!inErrorRecoveryMode(p)) {
        errors.error(t, "expected 'network', found " + SyntaxErrors.quote(t)
            + (STATEMENT_STOP.contains(type) && type != NetcParser.RBRACE
                && type != NetcParser.NETWORK
                ? "; statements belong inside 'network NAME { ... }'" : ""));
      }
      skipUntil(p, new IntervalSet(NetcParser.NETWORK, Token.EOF));
      return;
    }
    super.sync(p);
  }

  private void skipUntil(Parser p, IntervalSet stop) {
    beginErrorCondition(p);
    while (!stop.contains(p.getInputStream().LA(1))) {
      p.consume();
    }
  }

  private String unknownStatement(Parser p, Token t) {
    String found = SyntaxErrors.quote(t);
    if (t.getType() == NetcParser.SEMI) {
      return "unexpected ';'; statements need no separator";
    }
    Token prev = previous(p);
    if (prev != null && prev.getLine() == t.getLine() && prev.getType() != NetcParser.LBRACE) {
      if (t.getType() == NetcParser.IDENT && isInNamedLayer(p)) {
        return "unexpected " + found + " after the activation; to name the layer write 'as "
            + t.getText() + "'";
      }
      return "unexpected " + found + " at the end of the statement";
    }
    if (t.getType() == NetcParser.IDENT) {
      return "unknown statement " + found + Suggest.hint(t.getText(), STATEMENTS);
    }
    return "expected a statement or '}', found " + found;
  }

  /** True if the statement just finished is a layer that takes {@code as NAME}. */
  private static boolean isInNamedLayer(Parser p) {
    RuleContext ctx = p.getContext();
    if (ctx instanceof NetcParser.NetworkContext n && !n.statement().isEmpty()) {
      NetcParser.StatementContext last = n.statement(n.statement().size() - 1);
      return last instanceof NetcParser.DenseStatementContext
          || last instanceof NetcParser.Conv2dStatementContext
          || last instanceof NetcParser.PoolStatementContext;
    }
    return false;
  }

  /**
   * Never drops a statement keyword or '}' to make the current statement fit: they start the next
   * statement, so inventing the missing piece (single-token insertion) is the better repair.
   */
  @Override
  protected Token singleTokenDeletion(Parser p) {
    if (STATEMENT_STOP.contains(p.getInputStream().LA(1))) {
      return null;
    }
    return super.singleTokenDeletion(p);
  }

  @Override
  protected void reportNoViableAlternative(Parser p, NoViableAltException e) {
    report(p, e.getOffendingToken(), p.getExpectedTokens());
  }

  @Override
  protected void reportInputMismatch(Parser p, InputMismatchException e) {
    report(p, e.getOffendingToken(), e.getExpectedTokens());
  }

  @Override
  protected void reportUnwantedToken(Parser p) {
    if (inErrorRecoveryMode(p)) {
      return;
    }
    beginErrorCondition(p);
    Token t = p.getCurrentToken();
    Token prev = previous(p);
    if (p.getContext() instanceof NetcParser.ArgumentsContext && prev != null
        && prev.getType() == NetcParser.IDENT
        && (t.getType() == NetcParser.NUMBER || t.getType() == NetcParser.IDENT)) {
      // `lr 0.1` parsed as a bare value `lr` followed by junk: the '=' is what is missing.
      errors.error(t, "expected '=' after " + SyntaxErrors.quote(prev) + ", found "
          + SyntaxErrors.quote(t));
      return;
    }
    errors.error(t, "unexpected " + SyntaxErrors.quote(t) + "; expected "
        + expectation(p, getExpectedTokens(p)));
  }

  @Override
  protected void reportMissingToken(Parser p) {
    if (inErrorRecoveryMode(p)) {
      return;
    }
    beginErrorCondition(p);
    report(p, p.getCurrentToken(), getExpectedTokens(p));
  }

  @Override
  public void reportError(Parser p, RecognitionException e) {
    if (inErrorRecoveryMode(p)) {
      return;
    }
    beginErrorCondition(p);
    if (e instanceof NoViableAltException nv) {
      reportNoViableAlternative(p, nv);
    } else if (e instanceof InputMismatchException im) {
      reportInputMismatch(p, im);
    } else {
      Token t = e.getOffendingToken() != null ? e.getOffendingToken() : p.getCurrentToken();
      errors.error(t, "unexpected " + SyntaxErrors.quote(t));
    }
  }

  /**
   * Reports that {@code found} is not what was expected. When the expected text would end a line
   * (the offending token is on a later line), the caret goes right after the previous token, like
   * javac's "';' expected".
   */
  private void report(Parser p, Token found, IntervalSet expected) {
    Token prev = previous(p);
    String what = expectation(p, expected);
    String after = prev == null ? "" : " after " + SyntaxErrors.quote(prev);
    String message = "expected " + what + after + ", found " + SyntaxErrors.quote(found)
        + reservedNote(found, expected);
    if (prev != null && found.getLine() > prev.getLine()) {
      errors.errorAfter(prev, message);
    } else {
      errors.error(found, message);
    }
  }

  private static String reservedNote(Token found, IntervalSet expected) {
    int type = found.getType();
    boolean keyword = type >= NetcParser.NETWORK && type <= NetcParser.FLATTEN;
    return keyword && expected.contains(NetcParser.BAD_NAME)
        ? " (a reserved word of the language)" : "";
  }

  private static Token previous(Parser p) {
    TokenStream in = p.getInputStream();
    return in.index() > 0 ? in.LT(-1) : null;
  }

  /** What the parser wanted, in words, from the rule it is in and the tokens it expected. */
  private static String expectation(Parser p, IntervalSet expected) {
    RuleContext ctx = p.getContext();
    boolean inNumber = ctx instanceof NetcParser.NumberContext
        || ctx instanceof NetcParser.DimensionsContext;
    boolean inName = ctx instanceof NetcParser.IdentContext;
    if (inNumber || inName) {
      ctx = ctx.parent;
    }
    if (ctx instanceof NetcParser.FileContext) {
      return "'network'";
    } else if (ctx instanceof NetcParser.NetworkContext n) {
      if (expected.contains(NetcParser.RBRACE)) {
        return "'}' to close network " + (n.name == null ? "" : SyntaxErrors.quote(n.name.getText()));
      }
      return inName || expected.contains(NetcParser.IDENT) ? "a network name" : "'{'";
    } else if (ctx instanceof NetcParser.InputStatementContext) {
      return "the input size";
    } else if (ctx instanceof NetcParser.Conv2dStatementContext c) {
      if (c.kernel == null && (expected.contains(NetcParser.NUMBER) || inNumber)
          && c.channels == null) {
        return "the number of output channels";
      }
      if (expected.contains(NetcParser.DIMENSIONS)) {
        return "a kernel size such as 3x3";
      }
      return inName ? "a layer name" : "an activation";
    } else if (ctx instanceof NetcParser.PoolStatementContext) {
      return inName ? "a layer name" : "a window size such as 2x2";
    } else if (ctx instanceof NetcParser.FlattenStatementContext) {
      return "a layer name";
    } else if (ctx instanceof NetcParser.DenseStatementContext) {
      if (inNumber || expected.contains(NetcParser.NUMBER)) {
        return "a layer size";
      }
      return inName ? "a layer name" : "an activation";
    } else if (ctx instanceof NetcParser.LossStatementContext) {
      return "a loss (mse, binary_cross_entropy or cross_entropy)";
    } else if (ctx instanceof NetcParser.OptimizerStatementContext) {
      return "an optimizer (sgd or adam)";
    } else if (ctx instanceof NetcParser.PrecisionStatementContext) {
      return "'float' or 'double'";
    } else if (ctx instanceof NetcParser.ArgumentsContext) {
      return expected.contains(NetcParser.COMMA) ? "',' or ')'" : "an option or ')'";
    } else if (inNumber) {
      return "a number";
    } else if (ctx instanceof NetcParser.ArgumentContext) {
      return expected.contains(NetcParser.ASSIGN) ? "'='" : "an option";
    }
    return "a value";
  }
}
