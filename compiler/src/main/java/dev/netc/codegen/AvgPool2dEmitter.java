package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import dev.netc.ir.AvgPool2d;
import java.util.Arrays;

/**
 * An avgpool layer's per-example methods: each output is its window's sum (row-major, as the
 * interpreter) divided by the window size in double and rounded once; backward spreads each
 * output's delta, divided likewise, over its window (times σ' of the previous layer in the same
 * pass when windows do not overlap, as in {@link MaxPool2dEmitter}).
 */
final class AvgPool2dEmitter extends PerExampleEmitter {
  private final PoolLoops loops;

  AvgPool2dEmitter(AvgPool2d pool, EmitContext ctx) {
    super(pool, ctx);
    this.loops = new PoolLoops(pool.inputShape(), pool.outputShape(), pool.window());
  }

  @Override
  public MethodSpec forward() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "x", ctx.inputOf(layer.index()));
    ctx.declareArray(c, "z", n.z());
    ctx.declareArray(c, "a", n.act());
    loops.openOutputs(c);
    c.addStatement("$T s = $L", ctx.scalar(), ctx.lit(0));
    loops.openWindow(c);
    c.addStatement("s += x[at]");
    loops.closeWindow(c);
    c.addStatement("z[q] = $L", ctx.precision().cast("s / " + loops.area()));
    c.addStatement("a[q] = z[q]");
    loops.closeOutputs(c);
    return method(n.forward(), forwardDoc(", mean of each window."), c.build());
  }

  @Override
  public MethodSpec backprop() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "d", n.delta());
    declarePrevious(c);
    c.addStatement("$T.fill(g, $L)", Arrays.class, ctx.lit(0));
    loops.openOutputs(c);
    c.addStatement("$T share = $L", ctx.scalar(), ctx.precision().cast("d[q] / " + loops.area()));
    loops.openWindow(c);
    if (loops.overlaps()) {
      c.addStatement("g[at] += share");
    } else {
      c.addStatement("g[at] = $L", timesPreviousDerivative("share", "at"));
    }
    loops.closeWindow(c);
    loops.closeOutputs(c);
    if (loops.overlaps()) {
      timesPreviousDerivative(c);
    }
    return method(n.backprop(), "Layer " + Javadoc.escape(layer.name())
        + ": each output's delta spread evenly over its window, times the previous activation's"
        + " derivative.", c.build());
  }
}
