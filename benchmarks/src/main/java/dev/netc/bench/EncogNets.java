package dev.netc.bench;

import dev.netc.ir.Activation;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import java.util.Arrays;
import org.encog.engine.network.activation.ActivationFunction;
import org.encog.engine.network.activation.ActivationLinear;
import org.encog.engine.network.activation.ActivationReLU;
import org.encog.engine.network.activation.ActivationSoftMax;
import org.encog.engine.network.activation.ActivationTANH;
import org.encog.ml.data.MLDataPair;
import org.encog.ml.data.basic.BasicMLData;
import org.encog.ml.data.basic.BasicMLDataPair;
import org.encog.ml.data.basic.BasicMLDataSet;
import org.encog.neural.error.LinearErrorFunction;
import org.encog.neural.networks.BasicNetwork;
import org.encog.neural.networks.layers.BasicLayer;
import org.encog.neural.networks.training.propagation.back.Backpropagation;

/**
 * The same networks in Encog 3.4: same layers, same initial weights, same SGD-with-momentum maths.
 *
 * <p>Encog has no separate cross-entropy output: its softmax derivative is 1 and its default
 * {@link LinearErrorFunction} gives (ideal - actual), so with a one-hot ideal the output delta is the
 * fused softmax + cross-entropy gradient, as in netc. Encog sums gradients over a batch where
 * netc's {@code reduction = mean} averages, so the learning rate is divided by the batch size; its
 * momentum rule (Δ = η g + μ Δ_prev) then gives the same updates as torch's SGD. Encog computes in
 * double precision; it has no float mode.
 *
 * <p>Encog 3.4 takes a hidden layer's activation derivative from the layer above it (its issue
 * #243, fixed after the release), so its hidden-layer gradients are wrong unless both layers share
 * a derivative. The work per step is the same, which is what the benchmarks measure.
 */
public final class EncogNets {

  private EncogNets() {}

  /** An Encog network with the architecture of {@code ir} and the parameters {@code params}. */
  public static BasicNetwork build(Network ir, double[] params) {
    BasicNetwork n = new BasicNetwork();
    // An Encog layer's bias flag means "has a bias neuron feeding the next layer".
    n.addLayer(new BasicLayer(null, true, ir.inputSize()));
    for (Layer l : ir.layers()) {
      boolean last = l.index() == ir.layers().size() - 1;
      n.addLayer(new BasicLayer(activation(l.activation()), !last, l.outSize()));
    }
    n.getStructure().finalizeStructure();
    for (Layer l : ir.layers()) {
      int w = ir.weightOffset(l.index());
      int b = ir.biasOffset(l.index());
      for (int o = 0; o < l.outSize(); o++) {
        for (int i = 0; i < l.inSize(); i++) {
          n.setWeight(l.index(), i, o, params[w + o * l.inSize() + i]);
        }
        // The bias neuron is the last neuron of the layer that feeds this one.
        n.setWeight(l.index(), l.inSize(), o, params[b + o]);
      }
    }
    return n;
  }

  private static ActivationFunction activation(Activation a) {
    if (a instanceof Activation.Identity) {
      return new ActivationLinear();
    } else if (a instanceof Activation.Relu) {
      return new ActivationReLU();
    } else if (a instanceof Activation.Tanh) {
      return new ActivationTANH();
    } else if (a instanceof Activation.Softmax) {
      return new ActivationSoftMax();
    }
    throw new IllegalArgumentException("no Encog activation for " + a.describe());
  }

  /**
   * One Encog training set of a fixed batch size and a single-threaded {@link Backpropagation} over
   * it. Each {@link #step} copies a batch into the set's own arrays (Encog's trainer is bound to
   * one set) and runs one {@code iteration()}: one full-batch gradient and one update.
   */
  public static final class Trainer {
    private final double[][] inputs;
    private final double[][] ideals;
    private final Backpropagation train;

    /** A trainer for {@code net} (built from {@code ir}) on batches of {@code batchSize}. */
    public Trainer(Network ir, BasicNetwork net, int batchSize) {
      BasicMLDataSet set = new BasicMLDataSet();
      inputs = new double[batchSize][];
      ideals = new double[batchSize][];
      for (int e = 0; e < batchSize; e++) {
        MLDataPair pair = new BasicMLDataPair(
            new BasicMLData(ir.inputSize()), new BasicMLData(ir.outputSize()));
        set.add(pair);
        inputs[e] = pair.getInputArray();
        ideals[e] = pair.getIdealArray();
      }
      Optimizer.Sgd sgd = (Optimizer.Sgd) ir.optimizer();
      train = new Backpropagation(net, set, sgd.lr() / batchSize, sgd.momentum());
      train.setThreadCount(1);
      train.fixFlatSpot(false);
      train.setErrorFunction(new LinearErrorFunction());
    }

    /**
     * One training step on a batch: inputs row-major, labels as class indices. Returns Encog's
     * training error of the step.
     */
    public double step(double[] xs, double[] labels) {
      int width = inputs[0].length;
      for (int e = 0; e < inputs.length; e++) {
        System.arraycopy(xs, e * width, inputs[e], 0, width);
        Arrays.fill(ideals[e], 0.0);
        ideals[e][(int) labels[e]] = 1.0;
      }
      train.iteration();
      return train.getError();
    }
  }
}
