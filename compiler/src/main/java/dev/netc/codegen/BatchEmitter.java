package dev.netc.codegen;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Activation;
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
  private final Loops loops;
  private final BatchKernels kernels;
  private final ScalarBatchKernels scalar;
  private final int chunk;

  BatchEmitter(EmitContext ctx, Loops loops) {
    this.ctx = ctx;
    this.loops = loops;
    this.kernels = new BatchKernels(ctx, loops);
    this.scalar = new ScalarBatchKernels(ctx);
    this.chunk = ctx.policy().chunk();
  }

  /** The CHUNK constant. */
  FieldSpec constant() {
    return FieldSpec.builder(TypeName.INT, "CHUNK", Modifier.PRIVATE, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("Examples per batched pass: mini-batches are processed CHUNK at a time.\n")
        .initializer("$L", chunk)
        .build();
  }

  /**
   * The chunk buffers. Vector backend: flat, batch-major. Scalar backend: matrices of row arrays
   * (see {@link ScalarBatchKernels}): inputs both ways, per layer z/activations and σ' and δ
   * feature-major, activations batch-major; the output layer's z and activations flat and
   * batch-major, where {@code outputRow} copies them from.
   */
  List<FieldSpec> fields() {
    List<FieldSpec> f = new ArrayList<>();
    int layers = ctx.network().layers().size();
    int in = ctx.network().inputSize();
    if (!loops.vector()) {
      f.add(ctx.matrix("xT", in, chunk));
      if (ctx.trainable()) {
        f.add(ctx.matrix("xRows", chunk, in));
        int widest = ctx.network().layers().stream().mapToInt(Layer::inSize).max().orElse(1);
        f.add(ctx.buffer("rowAcc", widest));
      }
    }
    for (Layer l : ctx.network().layers()) {
      Names.BatchNames b = ctx.names().batch(l.index());
      int out = l.outSize();
      boolean last = l.index() == layers - 1;
      if (loops.vector()) {
        f.add(ctx.buffer(b.act(), out * chunk));
        if (last) {
          f.add(ctx.buffer(b.z(), out * chunk));
        }
        if (ctx.trainable()) {
          f.add(ctx.buffer(b.delta(), out * chunk));
          if (!last && !(l.activation() instanceof Activation.Identity)) {
            f.add(ctx.buffer(b.der(), out * chunk));
          }
        }
        continue;
      }
      f.add(ctx.matrix(b.actT(), out, chunk));
      if (last) {
        f.add(ctx.buffer(b.z(), out * chunk));
        f.add(ctx.buffer(b.act(), out * chunk));
      } else {
        f.add(ctx.matrix(b.act(), chunk, out));
      }
      if (ctx.trainable()) {
        f.add(ctx.matrix(b.delta(), out, chunk));
        if (scalar.hasDer(l.index())) {
          f.add(ctx.matrix(b.der(), out, chunk));
        }
      }
    }
    return f;
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
    for (Layer l : ctx.network().layers()) {
      int i = l.index();
      m.add(loops.vector() ? kernels.forward(i) : scalar.forward(i));
      if (ctx.trainable()) {
        m.add(loops.vector() ? kernels.gradient(i) : scalar.gradient(i));
        if (i > 0) {
          m.add(loops.vector() ? kernels.backprop(i) : scalar.backprop(i));
        }
      }
    }
    if (loops.vector()) {
      m.addAll(kernels.tileMethods());
    }
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
    if (!loops.vector()) {
      m.addComment("The inputs as row arrays: feature-major for the forward kernels, "
          + "batch-major for the gradient.");
      m.addStatement("$T xt = xT", com.palantir.javapoet.ArrayTypeName.of(ctx.array()));
      m.beginControlFlow("for (int s = 0; s < m; s++)");
      m.addStatement("int xo = (e0 + s) * INPUT_SIZE");
      if (ctx.trainable()) {
        m.addStatement("$T.arraycopy(xs, xo, xRows[s], 0, INPUT_SIZE)", System.class);
      }
      m.beginControlFlow("for (int i = 0; i < INPUT_SIZE; i++)");
      m.addStatement("xt[i][s] = xs[xo + i]");
      m.endControlFlow();
      m.endControlFlow();
    }
    List<CodeBlock> blocks = new ArrayList<>();
    for (Layer l : ctx.network().layers()) {
      Names.BatchNames b = ctx.names().batch(l.index());
      if (!loops.vector()) {
        blocks.add(CodeBlock.of("$N(m);\n", b.forward()));
      } else if (l.index() == 0) {
        blocks.add(CodeBlock.of("$N(xs, e0 * INPUT_SIZE, m);\n", b.forward()));
      } else {
        blocks.add(CodeBlock.of("$N($N, 0, m);\n", b.forward(),
            ctx.names().batch(l.index() - 1).act()));
      }
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
      new LayerKernels(ctx).softmax(c, width);
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
      Names.BatchNames b = ctx.names().batch(i);
      CodeBlock.Builder c = CodeBlock.builder();
      if (!loops.vector()) {
        c.addStatement("$N(m)", b.gradient());
        if (i > 0) {
          c.addStatement("$N(m)", b.backprop());
        }
      } else if (i == 0) {
        c.addStatement("$N(xs, e0 * INPUT_SIZE, m)", b.gradient());
      } else {
        c.addStatement("$N($N, 0, m)", b.gradient(), ctx.names().batch(i - 1).act());
        c.addStatement("$N(m)", b.backprop());
      }
      blocks.add(c.build());
    }
    return m.addCode(ctx.helpers().perLayer("batchBackward", false, chunkParameters(), blocks))
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
    if (loops.vector()) {
      return m.addStatement("$T.arraycopy($N, 0, $N, s * $L, $L)", System.class, from, to,
          out.outSize(), out.outSize()).build();
    }
    return m.addStatement("$T d = $N", ctx.array(), from)
        .beginControlFlow("for (int o = 0; o < $L; o++)", out.outSize())
        .addStatement("$N[o][s] = d[o]", to)
        .endControlFlow()
        .build();
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
