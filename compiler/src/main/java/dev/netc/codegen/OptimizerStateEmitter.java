package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Layer;
import dev.netc.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Emits the accessors of the optimizer's state that checkpoints and learning-rate schedules use:
 * the learning rate, the state buffers as one flat array in {@code optimizerStateLayout()} order
 * (per parameter tensor, each of its buffers in turn) and the step count.
 */
final class OptimizerStateEmitter {
  private final EmitContext ctx;
  private final OptimizerEmitter optimizer;
  private final List<TensorSpec> layout;

  OptimizerStateEmitter(EmitContext ctx, OptimizerEmitter optimizer) {
    this.ctx = ctx;
    this.optimizer = optimizer;
    this.layout = ctx.network().optimizerStateLayout();
  }

  /** STATE_SIZE and STATE_LAYOUT. */
  List<FieldSpec> constants() {
    int size = layout.stream().mapToInt(TensorSpec::size).sum();
    return List.of(
        FieldSpec.builder(TypeName.INT, "STATE_SIZE", Modifier.PRIVATE, Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("Values of the optimizer state of all layers.\n")
            .initializer("$L", size)
            .build(),
        Layouts.field(ctx, "STATE_LAYOUT", "stateLayout", layout));
  }

  /** The accessors and their length check. */
  List<MethodSpec> methods() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(MethodSpec.methodBuilder("learningRate").addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC).returns(TypeName.DOUBLE)
        .addStatement("return learningRate").build());
    m.add(MethodSpec.methodBuilder("setLearningRate").addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC).addParameter(TypeName.DOUBLE, "lr")
        .beginControlFlow("if (!(lr > 0) || $T.isInfinite(lr))", Double.class)
        .addStatement("throw new $T($S + lr + $S)", IllegalArgumentException.class,
            "learning rate ", " must be finite and > 0")
        .endControlFlow()
        .addStatement("learningRate = lr").build());
    m.add(MethodSpec.methodBuilder("optimizerStateLayout").addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(ParameterizedTypeName.get(List.class, TensorSpec.class))
        .addStatement("return STATE_LAYOUT").build());
    m.add(transfer(true));
    m.add(transfer(false));
    m.add(MethodSpec.methodBuilder("optimizerStepCount").addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC).returns(TypeName.LONG)
        .addStatement("return stepCount").build());
    m.add(MethodSpec.methodBuilder("setOptimizerStepCount").addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC).addParameter(TypeName.LONG, "steps")
        .beginControlFlow("if (steps < 0)")
        .addStatement("throw new $T($S + steps + $S)", IllegalArgumentException.class,
            "optimizer step count ", " is negative")
        .endControlFlow()
        .addCode(ctx.settleDeferred())
        .addStatement("stepCount = steps").build());
    m.add(MethodSpec.methodBuilder("checkStateLength")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC).addParameter(TypeName.INT, "length")
        .beginControlFlow("if (length != STATE_SIZE)")
        .addStatement("throw new $T($S + length$W+ $S + STATE_SIZE)",
            IllegalArgumentException.class, "optimizer state array has length ",
            " but must have length ")
        .endControlFlow().build());
    return m;
  }

  private MethodSpec transfer(boolean get) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(get ? "getOptimizerState"
            : "setOptimizerState")
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .addParameter(ctx.array(), "state")
        .addStatement("checkStateLength(state.length)")
        .addCode(ctx.settleDeferred());
    List<CodeBlock> blocks = new ArrayList<>();
    int off = 0;
    for (Layer l : ctx.network().layers()) {
      CodeBlock.Builder c = CodeBlock.builder();
      for (String s : optimizer.weightState(l.index())) {
        copy(c, get, s, off, l.weightCount());
        off += l.weightCount();
      }
      for (String s : optimizer.biasState(l.index())) {
        copy(c, get, s, off, l.biasCount());
        off += l.biasCount();
      }
      blocks.add(c.build());
    }
    return m.addCode(ctx.helpers().perLayer(get ? "getOptimizerState" : "setOptimizerState",
        false, List.of(ParameterSpec.builder(ctx.array(), "state").build()), blocks)).build();
  }

  private static void copy(CodeBlock.Builder c, boolean get, String buffer, int off, int n) {
    if (get) {
      c.addStatement("$T.arraycopy($N, 0, state, $L, $L)", System.class, buffer, off, n);
    } else {
      c.addStatement("$T.arraycopy(state, $L, $N, 0, $L)", System.class, off, buffer, n);
    }
  }
}
