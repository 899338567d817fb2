package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Layer;
import dev.netc.ir.Optimizer;
import dev.netc.runtime.OptimizerLayout;
import dev.netc.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * Emits the public view of the optimizer that checkpoints and learning-rate schedules use: the
 * learning rate getter and setter, the state tensors named as torch's optimizer state
 * ({@link OptimizerLayout}) with their getter and setter, and the step count.
 */
final class OptimizerStateEmitter {
  private final EmitContext ctx;
  private final OptimizerEmitter optimizer;
  private final List<String> buffers;

  OptimizerStateEmitter(EmitContext ctx, OptimizerEmitter optimizer) {
    this.ctx = ctx;
    this.optimizer = optimizer;
    Optimizer opt = ctx.network().optimizer();
    this.buffers = opt instanceof Optimizer.Adam
        ? List.of(OptimizerLayout.EXP_AVG, OptimizerLayout.EXP_AVG_SQ)
        : optimizer.stateArrays() == 1 ? List.of(OptimizerLayout.MOMENTUM_BUFFER) : List.of();
  }

  /** STATE_LAYOUT, declared after LAYOUT, from which it is derived. */
  FieldSpec layout() {
    CodeBlock names = buffers.stream().map(b -> CodeBlock.of("$S", b))
        .collect(CodeBlock.joining(", "));
    return FieldSpec.builder(ParameterizedTypeName.get(List.class, TensorSpec.class),
            "STATE_LAYOUT", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer(buffers.isEmpty() ? CodeBlock.of("$T.of()", List.class)
            : CodeBlock.of("$T.of(LAYOUT, $L)", OptimizerLayout.class, names))
        .build();
  }

  /** The seven methods of the optimizer-state API. */
  List<MethodSpec> methods() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(override("learningRate").returns(TypeName.DOUBLE)
        .addStatement("return learningRate").build());
    m.add(override("setLearningRate").addParameter(TypeName.DOUBLE, "lr")
        .beginControlFlow("if (!(lr > 0) || $T.isInfinite(lr))", Double.class)
        .addStatement("throw new $T($S + lr)", IllegalArgumentException.class,
            "the learning rate must be finite and > 0, not ")
        .endControlFlow()
        .addStatement("learningRate = lr").build());
    m.add(override("optimizerStateLayout")
        .returns(ParameterizedTypeName.get(List.class, TensorSpec.class))
        .addStatement("return STATE_LAYOUT").build());
    m.add(copyState(true));
    m.add(copyState(false));
    m.add(override("optimizerStepCount").returns(TypeName.LONG)
        .addStatement("return stepCount").build());
    m.add(override("setOptimizerStepCount").addParameter(TypeName.LONG, "steps")
        .beginControlFlow("if (steps < 0)")
        .addStatement("throw new $T($S + steps)", IllegalArgumentException.class,
            "the step count must be >= 0, not ")
        .endControlFlow()
        .addStatement("stepCount = steps").build());
    return m;
  }

  private MethodSpec.Builder override(String name) {
    return MethodSpec.methodBuilder(name).addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC);
  }

  /** getOptimizerState (out) or setOptimizerState: one array copy per state tensor. */
  private MethodSpec copyState(boolean out) {
    List<TensorSpec> layout = OptimizerLayout.of(ctx.network().parameterLayout(),
        buffers.toArray(String[]::new));
    Map<String, Integer> offsets = new HashMap<>();
    layout.forEach(s -> offsets.put(s.name(), s.offset()));
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      List<String> fields = optimizer.stateNames(l);
      CodeBlock.Builder c = CodeBlock.builder();
      // stateNames: weight then bias for the first buffer, then for the second (Adam).
      for (int k = 0; k < fields.size(); k++) {
        String tensor = l.name() + (k % 2 == 0 ? ".weight." : ".bias.") + buffers.get(k / 2);
        int size = k % 2 == 0 ? l.weightCount() : l.outSize();
        int at = offsets.get(tensor);
        if (out) {
          c.addStatement("$T.arraycopy($N, 0, state, $L, $L)", System.class, fields.get(k), at,
              size);
        } else {
          c.addStatement("$T.arraycopy(state, $L, $N, 0, $L)", System.class, at, fields.get(k),
              size);
        }
      }
      blocks.add(c.build());
    }
    String name = out ? "getOptimizerState" : "setOptimizerState";
    return override(name).addParameter(ctx.array(), "state")
        .addStatement("checkLength(state.length, $L, $S)", OptimizerLayout.size(layout),
            "optimizer state")
        .addCode(ctx.helpers().perLayer(name, false,
            List.of(ParameterSpec.builder(ctx.array(), "state").build()), blocks))
        .build();
  }
}
