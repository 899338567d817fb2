package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Precision;
import java.util.Arrays;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * A maxpool layer's per-example methods. Forward keeps the first maximum of each window in
 * row-major order (PyTorch's rule, as the interpreter; a tie of -0 before +0 or of two equal
 * infinities takes the later one) and remembers its input index, so backward adds each output's
 * delta to that input alone.
 */
final class MaxPool2dEmitter extends PerExampleEmitter {
  private final PoolLoops loops;
  /** The field of each output's argmax, for the example forward saw last. */
  private final String argmax;

  MaxPool2dEmitter(MaxPool2d pool, EmitContext ctx) {
    super(pool, ctx);
    this.loops = new PoolLoops(pool.inputShape(), pool.outputShape(), pool.window());
    this.argmax = ctx.names().helper(pool.name() + "Argmax");
  }

  @Override
  public List<FieldSpec> fields() {
    return List.of(FieldSpec.builder(ArrayTypeName.of(TypeName.INT), argmax, Modifier.PRIVATE,
            Modifier.FINAL)
        .addJavadoc("Input index of each output's maximum, for the last forward pass.\n")
        .initializer("new int[$L]", layer.outSize())
        .build());
  }

  @Override
  public MethodSpec forward() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "x", ctx.inputOf(layer.index()));
    ctx.declareArray(c, "z", n.z());
    ctx.declareArray(c, "a", n.act());
    c.addStatement("int[] arg = $N", argmax);
    loops.openOutputs(c);
    c.addStatement("int best = first");
    // The running maximum stays in a register: one load per window value.
    c.addStatement("$T max = x[first]", ctx.scalar());
    loops.openWindow(c);
    c.addStatement("$T v = x[at]", ctx.scalar());
    // v > max without a branch (after relu, ties at 0 make one mispredict often: 35 -> 12 µs
    // per example for the Fashion CNN's first pool): the sign bit of max - v, which is set
    // exactly when v > max, except that ties of -0 before +0 and of equal infinities take the
    // later value (their difference is -0 or NaN).
    if (ctx.precision() == Precision.FLOAT) {
      c.addStatement("int later = Float.floatToRawIntBits(max - v) >>> 31");
    } else {
      c.addStatement("int later = (int) (Double.doubleToRawLongBits(max - v) >>> 63)");
    }
    c.addStatement("best += later * (at - best)");
    c.addStatement("max = Math.max(max, v)");
    loops.closeWindow(c);
    c.addStatement("arg[q] = best");
    c.addStatement("z[q] = max");
    c.addStatement("a[q] = max");
    loops.closeOutputs(c);
    return method(n.forward(), forwardDoc(", first maximum of each window."), c.build());
  }

  @Override
  public MethodSpec backprop() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "d", n.delta());
    declarePrevious(c);
    c.addStatement("int[] arg = $N", argmax);
    c.addStatement("$T.fill(g, $L)", Arrays.class, ctx.lit(0));
    // Overlapping windows can pick one input twice: the deltas add up.
    c.beginControlFlow("for (int q = 0; q < $L; q++)", layer.outSize());
    c.addStatement("g[arg[q]] += d[q]");
    c.endControlFlow();
    timesPreviousDerivative(c);
    return method(n.backprop(), "Layer " + Javadoc.escape(layer.name())
        + ": each output's delta to its window's maximum, times the previous activation's"
        + " derivative.", c.build());
  }
}
