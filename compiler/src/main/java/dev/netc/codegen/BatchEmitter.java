package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Layer;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Emits the mini-batch path of a network for which {@link CodegenPolicy#batched} holds: the chunk
 * buffers, the drivers that run a chunk forward ({@code batchForward}) and backward
 * ({@code batchBackward}), {@code outputRow} (one example's output into the per-example buffers,
 * where the loss code reads it), and the per-layer kernels of {@link BatchKernels}.
 */
final class BatchEmitter {
  private final EmitContext ctx;
  private final Backend backend;
  private final List<LayerEmitter> layers;
  private final int chunk;

  BatchEmitter(EmitContext ctx, Backend backend, List<LayerEmitter> layers) {
    this.ctx = ctx;
    this.backend = backend;
    this.layers = layers;
    this.chunk = ctx.policy().chunk();
  }

  /**
   * The CHUNK constant: the chunk buffers hold {@code ctx.policy().chunk()} examples; a vector
   * class's kernel plan may ask for fewer ({@link Backend#chunkInitializer}).
   */
  FieldSpec constant() {
    return FieldSpec.builder(TypeName.INT, "CHUNK", Modifier.PRIVATE, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("Examples per batched pass: mini-batches are processed CHUNK at a time (the "
            + "buffers hold $L).\n", chunk)
        .initializer(backend.chunkInitializer(chunk))
        .build();
  }

  /** The chunk buffers, in the backend's layout. */
  List<FieldSpec> fields() {
    return backend.chunkFields();
  }

  /** Drivers, then per-layer kernels. */
  List<MethodSpec> methods() {
    List<MethodSpec> m = new ArrayList<>();
    m.add(forward());
    m.add(outputRow());
    if (ctx.trainable()) {
      m.add(backward());
    }
    if (ctx.trainable()) {
      m.add(storeDelta());
    }
    for (int i = 0; i < layers.size(); i++) {
      m.add(layers.get(i).batchForward());
      if (ctx.trainable()) {
        m.add(layers.get(i).batchGradient());
        if (i > 0) {
          m.add(layers.get(i).batchBackprop());
        }
      }
    }
    m.addAll(backend.batchKernels().sharedMethods());
    return m;
  }

  private List<ParameterSpec> chunkParameters() {
    return List.of(ParameterSpec.builder(ctx.array(), "xs").build(),
        ParameterSpec.builder(TypeName.INT, "e0").build(),
        ParameterSpec.builder(TypeName.INT, "m").build());
  }

  private MethodSpec forward() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("batchForward")
        .addJavadoc("Forward pass of examples e0 .. e0 + m - 1 (m <= CHUNK) of {@code xs}.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameters(chunkParameters());
    backend.chunkInputs(m);
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      blocks.add(backend.forwardCall(l.index()));
    }
    return m.addCode(ctx.helpers().perLayer("batchForward", false, chunkParameters(), blocks))
        .build();
  }

  private MethodSpec outputRow() {
    Layer out = ctx.network().outputLayer();
    Names.BatchNames b = ctx.names().batch(out.index());
    Names.LayerNames n = ctx.outputNames();
    int width = out.outSize();
    MethodSpec.Builder m = MethodSpec.methodBuilder("outputRow")
        .addJavadoc("Copies example s of the chunk's output layer into the per-example buffers.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "s")
        .addStatement("$T.arraycopy($N, s * $L, $N, 0, $L)", System.class, b.z(), width, n.z(),
            width);
    if (out.activation().isElementwise()) {
      m.addStatement("$T.arraycopy($N, s * $L, $N, 0, $L)", System.class, b.act(), width,
          n.act(), width);
    } else {
      CodeBlock.Builder c = CodeBlock.builder();
      c.addStatement("$T z = $N", ctx.array(), n.z());
      c.addStatement("$T a = $N", ctx.array(), n.act());
      new DenseKernels(ctx, backend).softmax(c, width);
      m.addCode(c.build());
    }
    return m.build();
  }

  private MethodSpec backward() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("batchBackward")
        .addJavadoc("Back-propagates the chunk's output deltas, adding its gradient to the "
            + "buffers.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameters(chunkParameters());
    List<CodeBlock> blocks = new ArrayList<>();
    for (int i = ctx.network().layers().size() - 1; i >= 0; i--) {
      CodeBlock.Builder b = CodeBlock.builder().add(backend.gradientCall(i));
      if (i > 0) {
        b.add(backend.backpropCall(i));
      }
      blocks.add(b.build());
    }
    return m.addCode(ctx.helpers().perLayer("batchBackward", false, chunkParameters(), blocks))
        .build();
  }

  /**
   * batchBackwardStep: the last chunk of a training step back-propagated with the optimizer's
   * update fused in. Each layer's δ goes back through its weights first; then its gradient is
   * completed and the layer updated at once, while the gradient is still in cache, and the
   * buffers left zero, so that no pass of its own zeroes them before the next batch. The
   * separate update and zeroing passes over every parameter took 13–27 % of a batch-32 step of
   * the Fashion-MNIST MLP (docs/performance.md). The same operations in the same order as
   * {@code batchBackward} then {@code step}: the same bits.
   */
  MethodSpec backwardStep(OptimizerEmitter optimizer) {
    List<ParameterSpec> params = new ArrayList<>(chunkParameters());
    params.addAll(optimizer.fusedParameters());
    MethodSpec.Builder m = MethodSpec.methodBuilder("batchBackwardStep")
        .addJavadoc("Back-propagates the last chunk's output deltas and applies the optimizer "
            + "step, layer by layer,\nwith the gradient buffers times {@code scale}; leaves "
            + "the buffers zero.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameters(params);
    List<CodeBlock> blocks = new ArrayList<>();
    for (int i = ctx.network().layers().size() - 1; i >= 0; i--) {
      CodeBlock.Builder b = CodeBlock.builder();
      if (i > 0) {
        b.add(backend.backpropCall(i));
      }
      blocks.add(b.add(backend.gradientCall(i)).add(optimizer.fusedUpdate(i)).build());
    }
    return m.addCode(ctx.helpers().perLayer("batchBackwardStep", false, params, blocks))
        .build();
  }

  /** storeDelta(s): the output delta of example s into the chunk's delta buffer. */
  private MethodSpec storeDelta() {
    Layer out = ctx.network().outputLayer();
    String from = ctx.outputNames().delta();
    String to = ctx.names().batch(out.index()).delta();
    MethodSpec.Builder m = MethodSpec.methodBuilder("storeDelta")
        .addJavadoc("Stores the current example's output delta as example s of the chunk.\n")
        .addModifiers(Modifier.PRIVATE)
        .addParameter(TypeName.INT, "s");
    backend.storeDelta(m, out, from, to);
    return m.build();
  }

  /**
   * The loop over chunks: {@code body} runs once per example {@code e = e0 + s} of the chunk after
   * its forward pass and output row; {@code after} once per chunk.
   */
  void chunks(MethodSpec.Builder m, CodeBlock body, CodeBlock after) {
    m.beginControlFlow("for (int e0 = 0; e0 < n; e0 += CHUNK)");
    m.addStatement("int m = Math.min(CHUNK, n - e0)");
    m.addStatement("batchForward(xs, e0, m)");
    m.beginControlFlow("for (int s = 0; s < m; s++)");
    m.addStatement("int e = e0 + s");
    m.addStatement("outputRow(s)");
    m.addCode(body);
    m.endControlFlow();
    m.addCode(after);
    m.endControlFlow();
  }
}
