package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import dev.netc.ir.Flatten;

/**
 * A flatten layer's per-example methods: images are stored in C, H, W order already, so forward
 * and backward copy their values unchanged (backward times σ' of the previous layer, in one pass).
 */
final class FlattenEmitter extends PerExampleEmitter {

  FlattenEmitter(Flatten flatten, EmitContext ctx) {
    super(flatten, ctx);
  }

  @Override
  public MethodSpec forward() {
    int size = layer.outSize();
    CodeBlock c = CodeBlock.builder()
        .addStatement("$T.arraycopy($N, 0, $N, 0, $L)", System.class,
            ctx.inputOf(layer.index()), n.z(), size)
        .addStatement("$T.arraycopy($N, 0, $N, 0, $L)", System.class,
            ctx.inputOf(layer.index()), n.act(), size)
        .build();
    return method(n.forward(), forwardDoc(", values unchanged."), c);
  }

  @Override
  public MethodSpec backprop() {
    CodeBlock.Builder c = CodeBlock.builder();
    ctx.declareArray(c, "d", n.delta());
    declarePrevious(c);
    if (previousHasDerivative()) {
      c.beginControlFlow("for (int i = 0; i < $L; i++)", layer.inSize());
      c.addStatement("g[i] = $L", timesPreviousDerivative("d[i]", "i"));
      c.endControlFlow();
    } else {
      c.addStatement("$T.arraycopy(d, 0, g, 0, $L)", System.class, layer.inSize());
    }
    return method(n.backprop(), "Layer " + Javadoc.escape(layer.name())
        + ": the previous layer's delta is this one's, times its activation's derivative.",
        c.build());
  }
}
