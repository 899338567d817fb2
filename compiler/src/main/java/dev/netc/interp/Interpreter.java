package dev.netc.interp;

import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Precision;
import dev.netc.runtime.Init;
import dev.netc.runtime.TensorSpec;
import dev.netc.runtime.TrainableDoubleNetwork;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The reference implementation of a network: forward pass, loss, backpropagation and optimizer
 * steps, straight from the IR. Activation and loss maths come from {@link Activation} and
 * {@link Loss}; this class only wires them together.
 *
 * <p>Every arithmetic result is rounded to the network's precision ({@link Precision#round}), so a
 * float network behaves like float code. The order of operations is fixed: z_j = ((w_j0 a_0 +
 * w_j1 a_1) + …) + b_j; the backward sums run over the next layer's units in index order;
 * gradients are summed over the batch in example order and then multiplied by
 * {@link Loss#scale}. Not thread-safe: it owns its scratch buffers. Nothing is allocated per step.
 */
public final class Interpreter implements TrainableDoubleNetwork {
  private final Network network;
  private final Precision p;
  private final Layer[] layers;
  private final Activation[] acts;
  private final LayerRun[] runs;
  private final double[] params;
  private final double[] input;
  private final double[][] z;
  private final double[][] a;
  private final double[][] delta;
  private final Loss loss;
  private final double[] target;
  private final double[] trainGrad;
  private final OptimizerState optimizer;
  private final List<TensorSpec> parameterLayout;
  private final List<TensorSpec> stateLayout;
  private final int stateSize;

  /** An interpreter with the seeded initial parameters, identical to generated code. */
  public Interpreter(Network network) {
    this(network, initialParameters(network));
  }

  /** An interpreter with the given parameters (flat layout, rounded to the network's precision). */
  public Interpreter(Network network, double[] parameters) {
    this(network, parameters, null);
  }

  /** Shared constructor; {@code state} is copied optimizer state, or null for a fresh one. */
  private Interpreter(Network network, double[] parameters, OptimizerState state) {
    this.network = Objects.requireNonNull(network, "network");
    this.p = network.precision();
    this.layers = network.layers().toArray(new Layer[0]);
    int n = layers.length;
    this.acts = new Activation[n];
    this.runs = new LayerRun[n];
    this.z = new double[n][];
    this.a = new double[n][];
    this.delta = new double[n][];
    for (int m = 0; m < n; m++) {
      acts[m] = layers[m].activation();
      runs[m] = LayerRun.of(layers[m], network.weightOffset(m), p);
      z[m] = new double[layers[m].outSize()];
      a[m] = new double[layers[m].outSize()];
      delta[m] = new double[layers[m].outSize()];
    }
    this.params = new double[network.parameterCount()];
    this.input = new double[network.inputSize()];
    this.loss = network.loss().orElse(null);
    this.target = new double[Math.max(1, network.targetWidth())];
    this.trainGrad = new double[params.length];
    this.optimizer = state != null ? state
        : new OptimizerState(network.optimizer(), params.length, p);
    this.parameterLayout = network.parameterLayout();
    this.stateLayout = network.optimizerStateLayout();
    this.stateSize = stateLayout.stream().mapToInt(TensorSpec::size).sum();
    setParameters(parameters);
  }

  /** The seeded initial parameters of {@code network}: weights from {@link Init}, biases zero. */
  public static double[] initialParameters(Network network) {
    Precision p = network.precision();
    double[] params = new double[network.parameterCount()];
    for (Layer l : network.layers()) {
      if (l.weightCount() == 0) {
        continue;
      }
      double[] w = Init.weights(l.init().scheme(), l.init().scale(), l.fanIn(), l.fanOut(),
          l.weightCount(), network.seed(), l.index());
      int off = network.weightOffset(l.index());
      for (int i = 0; i < w.length; i++) {
        params[off + i] = p.round(w[i]);
      }
    }
    return params;
  }

  /** The network this interpreter runs. */
  public Network network() {
    return network;
  }

  @Override
  public int inputSize() {
    return network.inputSize();
  }

  @Override
  public int outputSize() {
    return network.outputSize();
  }

  @Override
  public int parameterCount() {
    return params.length;
  }

  @Override
  public List<TensorSpec> parameterLayout() {
    return parameterLayout;
  }

  @Override
  public int targetWidth() {
    return network.targetWidth();
  }

  @Override
  public void getParameters(double[] dst) {
    checkLength("parameter", dst.length, params.length);
    System.arraycopy(params, 0, dst, 0, params.length);
  }

  @Override
  public void setParameters(double[] src) {
    checkLength("parameter", src.length, params.length);
    for (int i = 0; i < params.length; i++) {
      params[i] = p.round(src[i]);
    }
  }

  @Override
  public void predict(double[] x, double[] out) {
    predictBatch(x, out, 1);
  }

  @Override
  public void predictBatch(double[] xs, double[] out, int batchSize) {
    checkBatch(xs, batchSize);
    int outs = network.outputSize();
    checkLength("output", out.length, batchSize * outs);
    for (int b = 0; b < batchSize; b++) {
      forward(xs, b * input.length);
      System.arraycopy(a[layers.length - 1], 0, out, b * outs, outs);
    }
  }

  @Override
  public double loss(double[] xs, double[] targets, int batchSize) {
    requireLoss();
    checkBatch(xs, batchSize);
    checkLength("target", targets.length, batchSize * network.targetWidth());
    double sum = 0;
    for (int b = 0; b < batchSize; b++) {
      forward(xs, b * input.length);
      sum = p.round(sum + exampleLoss(targets, b));
    }
    return p.round(sum * loss.scale(batchSize, network.outputSize()));
  }

  @Override
  public double gradient(double[] xs, double[] targets, int batchSize, double[] grad) {
    requireLoss();
    checkBatch(xs, batchSize);
    checkLength("target", targets.length, batchSize * network.targetWidth());
    checkLength("gradient", grad.length, params.length);
    Arrays.fill(grad, 0, params.length, 0.0);
    double sum = 0;
    for (int b = 0; b < batchSize; b++) {
      forward(xs, b * input.length);
      sum = p.round(sum + exampleLoss(targets, b));
      backward(grad);
    }
    double scale = loss.scale(batchSize, network.outputSize());
    // The gradient scale is rounded to the network's precision first, as generated code does (a
    // float loop that widens to double is not vectorized by JDK 17's C2). The product of two
    // floats is exact in double, so the one rounding below is float's: bit-identical results.
    double gradScale = p.round(scale);
    for (int i = 0; i < params.length; i++) {
      grad[i] = p.round(grad[i] * gradScale);
    }
    return p.round(sum * scale);
  }

  @Override
  public double trainBatch(double[] xs, double[] targets, int batchSize) {
    double before = gradient(xs, targets, batchSize, trainGrad);
    optimizer.step(params, trainGrad);
    return before;
  }

  @Override
  public double accumulateGradient(double[] xs, double[] targets, int batchSize, double[] grad) {
    checkLength("gradient", grad.length, params.length);
    double before = gradient(xs, targets, batchSize, trainGrad);
    for (int i = 0; i < params.length; i++) {
      grad[i] = p.round(grad[i] + trainGrad[i]);
    }
    return before;
  }

  @Override
  public void optimizerStep(double[] grad) {
    requireLoss();
    checkLength("gradient", grad.length, params.length);
    // A caller's gradient (e.g. combined from shards in double) enters in the network's precision.
    for (int i = 0; i < params.length; i++) {
      trainGrad[i] = p.round(grad[i]);
    }
    optimizer.step(params, trainGrad);
  }

  /** An independent interpreter with the same parameters and optimizer state. */
  @Override
  public Interpreter copy() {
    return new Interpreter(network, params, optimizer.copy());
  }

  @Override
  public void resetOptimizer() {
    requireLoss();
    optimizer.reset();
  }

  @Override
  public double learningRate() {
    return optimizer.learningRate();
  }

  @Override
  public void setLearningRate(double lr) {
    optimizer.setLearningRate(lr);
  }

  @Override
  public List<TensorSpec> optimizerStateLayout() {
    return stateLayout;
  }

  @Override
  public void getOptimizerState(double[] state) {
    optimizer.transfer(state, parameterLayout, stateSize, true);
  }

  @Override
  public void setOptimizerState(double[] state) {
    optimizer.transfer(state, parameterLayout, stateSize, false);
  }

  @Override
  public long optimizerStepCount() {
    return optimizer.steps();
  }

  @Override
  public void setOptimizerStepCount(long steps) {
    optimizer.setSteps(steps);
  }

  /** Forward pass of example starting at {@code xs[off]}, leaving z and a of every layer. */
  private void forward(double[] xs, int off) {
    for (int k = 0; k < input.length; k++) {
      input[k] = p.round(xs[off + k]);
    }
    double[] prev = input;
    for (int m = 0; m < layers.length; m++) {
      double[] zm = z[m];
      double[] am = a[m];
      runs[m].forward(params, prev, zm);
      Activation act = acts[m];
      if (act instanceof Activation.Softmax) {
        Activation.Softmax.apply(zm, am);
        for (int j = 0; j < am.length; j++) {
          am[j] = p.round(am[j]);
        }
      } else {
        for (int j = 0; j < am.length; j++) {
          am[j] = p == Precision.FLOAT ? act.floatValue(zm[j]) : act.value(zm[j]);
        }
      }
      prev = am;
    }
  }

  /** Unreduced loss of example {@code b} after {@link #forward}; copies its rounded target. */
  private double exampleLoss(double[] targets, int b) {
    int width = network.targetWidth();
    for (int t = 0; t < width; t++) {
      target[t] = p.round(targets[b * width + t]);
    }
    int last = layers.length - 1;
    return p.round(loss.exampleLoss(z[last], a[last], target, 0));
  }

  /** Adds the unscaled gradient of the current example (after {@link #exampleLoss}) to grad. */
  private void backward(double[] grad) {
    int last = layers.length - 1;
    double[] dl = delta[last];
    loss.outputDelta(acts[last], z[last], a[last], target, 0, dl);
    for (int j = 0; j < dl.length; j++) {
      dl[j] = p.round(dl[j]);
    }
    for (int m = last; m >= 0; m--) {
      double[] prev = m == 0 ? input : a[m - 1];
      double[] below = m == 0 ? null : delta[m - 1];
      runs[m].backward(params, prev, delta[m], grad, below);
      if (below != null) {
        // δ_{m-1} = (W_mᵀ δ_m) ⊙ σ'(z_{m-1})
        double[] zb = z[m - 1];
        double[] ab = a[m - 1];
        Activation act = acts[m - 1];
        for (int k = 0; k < below.length; k++) {
          below[k] = p.round(below[k] * p.round(act.derivative(zb[k], ab[k])));
        }
      }
    }
  }

  private void requireLoss() {
    if (loss == null) {
      throw new IllegalStateException(
          "network '" + network.name() + "' has no loss and cannot be trained");
    }
  }

  private void checkBatch(double[] xs, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size " + batchSize + " is not positive");
    }
    checkLength("input", xs.length, Math.multiplyExact(batchSize, input.length));
  }

  private static void checkLength(String what, int actual, int needed) {
    if (actual < needed) {
      throw new IllegalArgumentException(
          what + " array has length " + actual + " but needs at least " + needed);
    }
  }
}
