package dev.netc.ast;

import dev.netc.grammar.NetcBaseVisitor;
import dev.netc.grammar.NetcParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.ErrorNode;
import org.antlr.v4.runtime.tree.ParseTree;

/**
 * Turns a parse tree into AST records. The tree may have been repaired by the parser: tokens it
 * invented have no index and are dropped, so a missing part becomes an empty Optional rather than
 * text like {@code <missing IDENT>}.
 */
final class AstBuilder extends NetcBaseVisitor<Statement> {
  private final String fileName;

  AstBuilder(String fileName) {
    this.fileName = fileName;
  }

  /** Builds the AST of a whole file. */
  SourceNode build(NetcParser.FileContext file) {
    List<NetworkNode> networks = new ArrayList<>();
    for (NetcParser.NetworkContext n : file.network()) {
      List<Statement> statements = new ArrayList<>();
      for (NetcParser.StatementContext s : n.statement()) {
        Statement st = s.accept(this);
        if (st != null) {
          statements.add(st);
        }
      }
      networks.add(new NetworkNode(pos(n.NETWORK().getSymbol()), name(n.name), statements,
          damaged(n)));
    }
    return new SourceNode(fileName, networks);
  }

  @Override
  public Statement visitInputStatement(NetcParser.InputStatementContext ctx) {
    return new Statement.Input(pos(ctx.INPUT().getSymbol()), damaged(ctx), number(ctx.size),
        dimensions(ctx.dims));
  }

  @Override
  public Statement visitDenseStatement(NetcParser.DenseStatementContext ctx) {
    Optional<Call> activation = real(ctx.activation)
        ? Optional.of(call(ctx.activation, ctx.arguments()))
        : Optional.empty();
    return new Statement.Dense(pos(ctx.DENSE().getSymbol()), damaged(ctx), number(ctx.size),
        activation, name(ctx.name));
  }

  @Override
  public Statement visitConv2dStatement(NetcParser.Conv2dStatementContext ctx) {
    Token keyword = ctx.CONV2D().getSymbol();
    Optional<Call> activation = real(ctx.activation)
        ? Optional.of(call(ctx.activation, ctx.activationOptions))
        : Optional.empty();
    return new Statement.Conv2d(pos(keyword), damaged(ctx), number(ctx.channels),
        dimensions(ctx.kernel), layerOptions(keyword, ctx.options), activation, name(ctx.name));
  }

  @Override
  public Statement visitPoolStatement(NetcParser.PoolStatementContext ctx) {
    return new Statement.Pool(pos(ctx.kind), damaged(ctx), ctx.kind.getText(),
        dimensions(ctx.kernel), layerOptions(ctx.kind, ctx.arguments()), name(ctx.name));
  }

  @Override
  public Statement visitFlattenStatement(NetcParser.FlattenStatementContext ctx) {
    return new Statement.Flatten(pos(ctx.FLATTEN().getSymbol()), damaged(ctx), name(ctx.name));
  }

  @Override
  public Statement visitLossStatement(NetcParser.LossStatementContext ctx) {
    return new Statement.Loss(pos(ctx.LOSS().getSymbol()), damaged(ctx),
        optionalCall(ctx.callee, ctx.arguments()));
  }

  @Override
  public Statement visitOptimizerStatement(NetcParser.OptimizerStatementContext ctx) {
    return new Statement.Optimizer(pos(ctx.OPTIMIZER().getSymbol()), damaged(ctx),
        optionalCall(ctx.callee, ctx.arguments()));
  }

  @Override
  public Statement visitInitStatement(NetcParser.InitStatementContext ctx) {
    return new Statement.Init(pos(ctx.INIT().getSymbol()), damaged(ctx),
        optionalCall(ctx.callee, ctx.arguments()));
  }

  @Override
  public Statement visitPrecisionStatement(NetcParser.PrecisionStatementContext ctx) {
    Optional<Name> kind = real(ctx.kind)
        ? Optional.of(new Name(ctx.kind.getText(), pos(ctx.kind)))
        : Optional.empty();
    return new Statement.Precision(pos(ctx.PRECISION().getSymbol()), damaged(ctx), kind);
  }

  private Optional<Call> optionalCall(Token callee, NetcParser.ArgumentsContext args) {
    if (real(callee)) {
      return Optional.of(call(callee, args));
    }
    if (args != null && real(args.LPAREN().getSymbol())) {
      return Optional.of(new Call(Optional.empty(), arguments(args),
          pos(args.LPAREN().getSymbol())));
    }
    return Optional.empty();
  }

  /** A layer's own options, named after its keyword in messages; empty without parentheses. */
  private Optional<Call> layerOptions(Token keyword, NetcParser.ArgumentsContext args) {
    if (args == null || !real(args.LPAREN().getSymbol())) {
      return Optional.empty();
    }
    return Optional.of(new Call(Optional.of(new Name(keyword.getText(), pos(keyword))),
        arguments(args), pos(args.LPAREN().getSymbol())));
  }

  private Optional<Dimensions> dimensions(NetcParser.DimensionsContext ctx) {
    if (ctx == null || ctx.DIMENSIONS() == null || !real(ctx.DIMENSIONS().getSymbol())) {
      return Optional.empty();
    }
    Token dims = ctx.DIMENSIONS().getSymbol();
    if (real(ctx.sign)) {
      return Optional.of(new Dimensions(ctx.sign.getText() + dims.getText(),
          pos(ctx.sign).to(pos(dims))));
    }
    return Optional.of(new Dimensions(dims.getText(), pos(dims)));
  }

  private Call call(Token callee, NetcParser.ArgumentsContext args) {
    Name name = new Name(callee.getText(), pos(callee));
    return new Call(Optional.of(name), args == null ? List.of() : arguments(args), name.pos());
  }

  private List<Arg> arguments(NetcParser.ArgumentsContext ctx) {
    List<Arg> args = new ArrayList<>();
    for (NetcParser.ArgumentContext a : ctx.argument()) {
      Optional<Value> value = value(a.value());
      if (value.isEmpty()) {
        continue;
      }
      Optional<Name> key = real(a.key)
          ? Optional.of(new Name(a.key.getText(), pos(a.key)))
          : Optional.empty();
      Pos start = key.map(Name::pos).orElse(value.get().pos());
      args.add(new Arg(key, value.get(), start.to(value.get().pos())));
    }
    return args;
  }

  private Optional<Value> value(NetcParser.ValueContext ctx) {
    if (ctx instanceof NetcParser.NumberValueContext n) {
      return number(n.number()).map(v -> v);
    }
    if (ctx instanceof NetcParser.WordValueContext w && real(w.IDENT().getSymbol())) {
      Token t = w.IDENT().getSymbol();
      return Optional.of(new Value.WordValue(t.getText(), pos(t)));
    }
    return Optional.empty();
  }

  private Optional<Value.NumberValue> number(NetcParser.NumberContext ctx) {
    if (ctx == null || ctx.NUMBER() == null || !real(ctx.NUMBER().getSymbol())) {
      return Optional.empty();
    }
    Token digits = ctx.NUMBER().getSymbol();
    if (real(ctx.sign)) {
      Pos sign = pos(ctx.sign);
      return Optional.of(new Value.NumberValue(ctx.sign.getText() + digits.getText(),
          sign.to(pos(digits))));
    }
    return Optional.of(new Value.NumberValue(digits.getText(), pos(digits)));
  }

  private Optional<Name> name(NetcParser.IdentContext ctx) {
    if (ctx == null || ctx.getStart() == null || !real(ctx.getStart())
        || ctx.getChildCount() != 1 || ctx.getChild(0) instanceof ErrorNode) {
      return Optional.empty();
    }
    return Optional.of(new Name(ctx.getStart().getText(), pos(ctx.getStart())));
  }

  /** True for a token that is really in the file (not invented by error recovery, not EOF). */
  private static boolean real(Token t) {
    return t != null && t.getTokenIndex() >= 0 && t.getType() != Token.EOF;
  }

  /** True if the parser reported or repaired anything inside {@code ctx}. */
  private static boolean damaged(ParserRuleContext ctx) {
    // A rule that matched nothing was repaired: set rules such as ident drop the invented token.
    if (ctx.exception != null || ctx.getChildCount() == 0) {
      return true;
    }
    for (int i = 0; i < ctx.getChildCount(); i++) {
      ParseTree child = ctx.getChild(i);
      if (child instanceof ErrorNode
          || child instanceof ParserRuleContext c && damaged(c)) {
        return true;
      }
    }
    return false;
  }

  private static Pos pos(Token t) {
    return new Pos(t.getLine(), t.getCharPositionInLine() + 1, SyntaxErrors.length(t));
  }
}
