package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import dev.netc.ir.Activation;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Layer;
import dev.netc.ir.MaxPool2d;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The scalar backend: plain Java loops shaped for C2's auto-vectorizer, no dependency beyond
 * netc-runtime. Its mini-batch kernels are {@link ScalarBatchKernels}, over chunk buffers that
 * are matrices of row arrays.
 */
final class ScalarBackend implements Backend {
  /** Scratch rows of the optimizer buffers in the one-example step, and their locals. */
  private static final List<String> ROW_FIELDS = List.of("rowS1", "rowS2");
  private static final List<String> ROW_STATE = List.of("br", "vr");

  private final EmitContext ctx;
  private final ScalarBatchKernels kernels;

  ScalarBackend(EmitContext ctx) {
    this.ctx = ctx;
    this.kernels = new ScalarBatchKernels(ctx);
  }

  @Override
  public CodeBlock chunkInitializer(int capacity) {
    return CodeBlock.of("$L", capacity);
  }

  @Override
  public List<FieldSpec> constants() {
    return List.of();
  }

  @Override
  public void forwardRows(CodeBlock.Builder c, Layer layer, String weightBase) {
    int in = layer.inSize();
    int out = layer.outSize();
    Activation act = layer.activation();
    int rows = ctx.policy().accumulatorsFor(out);
    int tiled = rows > 1 ? out / rows * rows : 0;
    if (tiled > 0) {
      c.add("// $L rows at a time: independent sums, each over i in ascending order.\n", rows);
      c.beginControlFlow("for (int o = 0; o < $L; o += $L)", tiled, rows);
      rowTile(c, act, in, rows, weightBase);
      c.endControlFlow();
    }
    if (tiled < out) {
      c.beginControlFlow("for (int o = $L; o < $L; o++)", tiled, out);
      rowTile(c, act, in, 1, weightBase);
      c.endControlFlow();
    }
  }

  /** Dot products of {@code rows} consecutive weight rows starting at row {@code o}. */
  private void rowTile(CodeBlock.Builder c, Activation act, int in, int rows,
      String weightBase) {
    c.addStatement("int k = $Lo * $L", weightBase, in);
    for (int r = 0; r < rows; r++) {
      c.addStatement("$T s$L = $L", ctx.scalar(), r, ctx.lit(0));
    }
    c.beginControlFlow("for (int i = 0; i < $L; i++)", in);
    c.addStatement("$T xi = x[i]", ctx.scalar());
    for (int r = 0; r < rows; r++) {
      if (r == 0) {
        c.addStatement("s0 += w[k + i] * xi");
      } else {
        c.addStatement("s$L += w[k + $L + i] * xi", r, r * in);
      }
    }
    c.endControlFlow();
    for (int r = 0; r < rows; r++) {
      String j = r == 0 ? "o" : "o + " + r;
      c.addStatement("z[$L] = s$L + b[$L]", j, r, j);
      if (act.isElementwise()) {
        c.addStatement("a[$L] = $L", j, ctx.value(act, "z[" + j + "]"));
      }
    }
  }

  /** None: plain loops write σ value by value. */
  @Override
  public Optional<CodeBlock> activateRange(Activation act, String z, String zOff, String a,
      String aOff, String count, int maxCount) {
    return Optional.empty();
  }

  /** None: plain loops multiply by σ' value by value. */
  @Override
  public Optional<CodeBlock> timesDerivativeRange(Activation act, String g, String pz,
      int count) {
    return Optional.empty();
  }

  @Override
  public String forwardDescription(Layer layer) {
    return "looped, " + ctx.policy().accumulatorsFor(layer.outSize()) + " rows at a time";
  }

  @Override
  public void axpy(CodeBlock.Builder c, int len, String dst, String dstOff, String scale,
      String src, String srcOff) {
    c.beginControlFlow("for (int i = 0; i < $L; i++)", len);
    c.addStatement("$L[$L] += $L * $L[$L]", dst, at(dstOff), scale, src, at(srcOff));
    c.endControlFlow();
  }

  @Override
  public void deltaRows(CodeBlock.Builder c, int in, int out, String weightBase) {
    c.addStatement("$T.fill(g, $L)", Arrays.class, ctx.lit(0));
    c.beginControlFlow("for (int o = 0; o < $L; o++)", out);
    c.addStatement("$T dk = d[o]", ctx.scalar());
    c.addStatement("int k = $Lo * $L", weightBase, in);
    axpy(c, in, "g", "", "dk", "w", "k");
    c.endControlFlow();
  }

  /** The index {@code offset + i}, or {@code i} for an empty offset. */
  static String at(String offset) {
    return offset.isEmpty() ? "i" : offset + " + i";
  }

  /** The emitter's loops are this backend's: C2 does not vectorize their strided loads. */
  @Override
  public Optional<PoolKernel> maxPoolKernel(MaxPool2d pool, boolean trainable) {
    return Optional.empty();
  }

  @Override
  public ConvKernels convKernels(Conv2d conv) {
    return new ScalarConv(conv, ctx, kernels);
  }

  /**
   * Inputs both ways, per layer z/activations and σ' and δ feature-major, activations
   * batch-major; the output layer's z and activations flat and batch-major, where
   * {@code outputRow} copies them from.
   */
  @Override
  public List<FieldSpec> chunkFields() {
    List<FieldSpec> f = new ArrayList<>();
    int chunk = ctx.policy().chunk();
    f.add(ctx.matrix("xT", ctx.network().inputSize(), chunk));
    if (ctx.trainable()) {
      f.add(ctx.matrix("xRows", chunk, ctx.network().inputSize()));
      int widest = ctx.network().layers().stream().mapToInt(Layer::inSize).max().orElse(1);
      f.add(ctx.buffer("rowAcc", widest));
    }
    for (Layer l : ctx.network().layers()) {
      Names.BatchNames b = ctx.names().batch(l.index());
      int out = l.outSize();
      f.add(ctx.matrix(b.actT(), out, chunk));
      if (ctx.isOutput(l.index())) {
        f.add(ctx.buffer(b.z(), out * chunk));
        f.add(ctx.buffer(b.act(), out * chunk));
      } else {
        f.add(ctx.matrix(b.act(), chunk, out));
      }
      if (ctx.trainable()) {
        f.add(ctx.matrix(b.delta(), out, chunk));
        if (kernels.hasDer(l.index())) {
          f.add(ctx.matrix(b.der(), out, chunk));
        }
      }
    }
    return f;
  }

  @Override
  public void chunkInputs(MethodSpec.Builder m) {
    m.addComment("The inputs as row arrays: feature-major for the forward kernels, "
        + "batch-major for the gradient.");
    m.addStatement("$T xt = xT", ArrayTypeName.of(ctx.array()));
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

  @Override
  public CodeBlock forwardCall(int index) {
    return CodeBlock.of("$N(m);\n", ctx.names().batch(index).forward());
  }

  @Override
  public CodeBlock gradientCall(int index) {
    return CodeBlock.of("$N(m);\n", ctx.names().batch(index).gradient());
  }

  @Override
  public CodeBlock backpropCall(int index) {
    return CodeBlock.of("$N(m);\n", ctx.names().batch(index).backprop());
  }

  @Override
  public void storeDelta(MethodSpec.Builder m, Layer output, String from, String to) {
    m.addStatement("$T d = $N", ctx.array(), from)
        .beginControlFlow("for (int o = 0; o < $L; o++)", output.outSize())
        .addStatement("$N[o][s] = d[o]", to)
        .endControlFlow();
  }

  @Override
  public boolean defersDenseGradients() {
    return false;
  }

  @Override
  public BatchKernels batchKernels() {
    return kernels;
  }

  @Override
  public List<FieldSpec> onlineFields(int buffers) {
    int widest = ctx.network().layers().stream().mapToInt(Layer::inSize).max().orElse(1);
    List<FieldSpec> f = new ArrayList<>();
    f.add(ctx.buffer("rowW", widest));
    for (String row : ROW_FIELDS.subList(0, buffers)) {
      f.add(ctx.buffer(row, widest));
    }
    return f;
  }

  @Override
  public void onlineLocals(CodeBlock.Builder c, int buffers) {
    ctx.declareArray(c, "wr", "rowW");
    for (int k = 0; k < buffers; k++) {
      ctx.declareArray(c, ROW_STATE.get(k), ROW_FIELDS.get(k));
    }
  }

  @Override
  public void onlineRow(CodeBlock.Builder c, int in, int buffers, boolean propagate, String next,
      DenseOnline.Element element) {
    rowCopies(c, in, buffers, true);
    c.beginControlFlow("for (int i = 0; i < $L; i++)", in);
    element.emit("wr", "i", ROW_STATE);
    if (next != null) {
      // The forward kernel's order: one sum per row, over i ascending.
      c.addStatement("zn += wr[i] * $L[i]", next);
    }
    c.endControlFlow();
    rowCopies(c, in, buffers, false);
  }

  /** Copies the weight row (and its buffers) into the scratch rows, or back. */
  private static void rowCopies(CodeBlock.Builder c, int in, int buffers, boolean into) {
    List<String> arrays = new ArrayList<>(List.of("w"));
    arrays.addAll(DenseOnline.WEIGHT_STATE.subList(0, buffers));
    List<String> rows = new ArrayList<>(List.of("wr"));
    rows.addAll(ROW_STATE.subList(0, buffers));
    for (int p = 0; p < arrays.size(); p++) {
      if (into) {
        c.addStatement("$T.arraycopy($L, k, $L, 0, $L)", System.class, arrays.get(p),
            rows.get(p), in);
      } else {
        c.addStatement("$T.arraycopy($L, 0, $L, k, $L)", System.class, rows.get(p),
            arrays.get(p), in);
      }
    }
  }
}
