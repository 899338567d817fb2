package dev.netc.codegen;

import dev.netc.ir.Activation;
import dev.netc.ir.AvgPool2d;
import dev.netc.ir.Conv2d;
import dev.netc.ir.Dense;
import dev.netc.ir.Flatten;
import dev.netc.ir.MaxPool2d;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.ir.Shape;
import dev.netc.ir.WeightInit;
import dev.netc.ir.Window;
import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import java.util.List;
import java.util.Optional;

/** Small hand-written networks shared by the golden, allocation and behaviour tests. */
final class SampleNetworks {
  private SampleNetworks() {}

  private static final WeightInit XAVIER = new WeightInit(Init.Scheme.XAVIER, 0);
  private static final WeightInit HE = new WeightInit(Init.Scheme.HE, 0);

  /** XOR: 2-4-1, tanh then sigmoid, binary cross-entropy, SGD with momentum, float. */
  static Network xor() {
    return new Network("Xor", "xor.net", 2,
        List.of(new Dense("hidden", 0, 2, 4, new Activation.Tanh(), XAVIER),
            new Dense("out", 1, 4, 1, new Activation.Sigmoid(), XAVIER)),
        Optional.of(new Loss.BinaryCrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.5, 0.9, false, 0), 42, Precision.FLOAT);
  }

  /** Iris-like: 4-16-3, relu then softmax, cross-entropy, Adam, float. */
  static Network iris() {
    return new Network("Iris", "iris.net", 4,
        List.of(new Dense("hidden", 0, 4, 16, new Activation.Relu(), HE),
            new Dense("logits", 1, 16, 3, new Activation.Softmax(), XAVIER)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Adam(0.01, 0.9, 0.999, 1e-8, 0), 7, Precision.FLOAT);
  }

  /**
   * A double-precision regression, 20-40-1 (the hidden layer is large enough to be looped), mse,
   * SGD with Nesterov momentum and weight decay.
   */
  static Network regression() {
    return new Network("Regression", "regression.net", 20,
        List.of(new Dense("features", 0, 20, 40, new Activation.Elu(1.0), HE),
            new Dense("prediction", 1, 40, 1, new Activation.Identity(), XAVIER)),
        Optional.of(new Loss.Mse(LossReduction.SUM)),
        new Optimizer.Sgd(0.01, 0.9, true, 1e-4), 3, Precision.DOUBLE);
  }

  /**
   * 12-70-3, tanh then softmax, float: the hidden layer's 70 values take the vector backend's
   * tanh ({@code VectorTanh}) in a block of 64, then a vector of 8 or a scalar tail.
   */
  static Network wideTanh() {
    return new Network("WideTanh", "wide-tanh.net", 12,
        List.of(new Dense("hidden", 0, 12, 70, new Activation.Tanh(), XAVIER),
            new Dense("logits", 1, 70, 3, new Activation.Softmax(), XAVIER)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.01, 0.9, false, 0), 11, Precision.FLOAT);
  }

  /**
   * 12-70-3, relu then softmax, in {@code precision}: the hidden layer's 70 values take the vector
   * backend's relu pass ({@code VectorRelu}) in the forward pass and its σ' pass in the one-example
   * step's back-propagation.
   */
  static Network wideRelu(Precision precision) {
    return new Network("WideRelu", "wide-relu.net", 12,
        List.of(new Dense("hidden", 0, 12, 70, new Activation.Relu(), HE),
            new Dense("logits", 1, 70, 3, new Activation.Softmax(), XAVIER)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.01, 0.9, false, 0), 11, precision);
  }

  /**
   * 1x6x6, conv2d 2 3x3 relu, a dense layer of 64 relu, softmax: a per-example class whose dense
   * layers' forward and backward passes take the vector backend's relu passes ({@code
   * VectorRelu}) for every example of a batch.
   */
  static Network reluCnn() {
    Shape.Image in = new Shape.Image(1, 6, 6);
    Conv2d conv1 = new Conv2d("conv1", 0, in, 2, new Window(3, 3, 1, 1, 0, 0),
        new Activation.Relu(), HE);
    Flatten flat = new Flatten("flatten1", 1, conv1.outputShape());
    return new Network("ReluCnn", "relu-cnn.net", in,
        List.of(conv1, flat, new Dense("hidden", 2, flat.outSize(), 64, new Activation.Relu(), HE),
            new Dense("logits", 3, 64, 3, new Activation.Softmax(), XAVIER)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.01, 0.9, false, 0), 5, Precision.FLOAT);
  }

  /**
   * A float network whose first layer (64 → 256, 64 KB of weights) has predict's aligned copy
   * under the vector backend ({@link AlignedWeights}).
   */
  static Network alignedDense() {
    return new Network("AlignedDense", "aligned-dense.net", 64,
        List.of(new Dense("hidden", 0, 64, 256, new Activation.Relu(), HE),
            new Dense("logits", 1, 256, 3, new Activation.Softmax(), XAVIER)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.01, 0.9, false, 0), 12, Precision.FLOAT);
  }

  /**
   * A float 1024-128-3 network whose first layer (512 KB) takes the vector backend's tall
   * one-example forward tiles: the register-tile switch must exist even without a mini-batch
   * path (chunk 0).
   */
  static Network largeDense() {
    return new Network("LargeDense", "large-dense.net", 1024,
        List.of(new Dense("hidden", 0, 1024, 128, new Activation.Relu(), HE),
            new Dense("logits", 1, 128, 3, new Activation.Softmax(), XAVIER)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.01, 0.9, false, 0), 13, Precision.FLOAT);
  }

  /** An inference-only float network, 8-6-2 leaky relu then softplus. */
  static Network inferenceOnly() {
    return new Network("Scorer", "scorer.net", 8,
        List.of(new Dense("dense1", 0, 8, 6, new Activation.LeakyRelu(0.01), HE),
            new Dense("dense2", 1, 6, 2, new Activation.Softplus(), XAVIER)),
        Optional.empty(), new Optimizer.Sgd(0.01, 0, false, 0), 0, Precision.FLOAT);
  }

  /**
   * A small float CNN with every new layer kind: 2x8x8, conv2d 4 3x3 (padding 1) relu, maxpool
   * 2x2, conv2d 6 2x2 (stride 2) tanh, avgpool 2x1 (stride 1), flatten, dense 3 softmax,
   * cross-entropy, SGD with momentum.
   */
  /**
   * Two stride-1 convolutions without padding (narrower outputs than inputs, so not the `flat`
   * im2col), the second's rows 16 wide: its input delta adds whole vectors in col2im.
   */
  static Network validCnn() {
    Shape.Image in = new Shape.Image(1, 6, 20);
    Conv2d conv1 = new Conv2d("conv1", 0, in, 2, new Window(3, 3, 1, 1, 0, 0),
        new Activation.Relu(), HE);
    Conv2d conv2 = new Conv2d("conv2", 1, conv1.outputShape(), 2, new Window(3, 3, 1, 1, 0, 0),
        new Activation.Relu(), HE);
    Flatten flat = new Flatten("flatten1", 2, conv2.outputShape());
    return new Network("ValidCnn", "valid.net", in,
        List.of(conv1, conv2, flat,
            new Dense("logits", 3, flat.outSize(), 3, new Activation.Softmax(), XAVIER)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.01, 0.9, false, 0), 5, Precision.FLOAT);
  }

  static Network cnn() {
    Shape.Image in = new Shape.Image(2, 8, 8);
    Conv2d conv1 = new Conv2d("conv1", 0, in, 4, new Window(3, 3, 1, 1, 1, 1),
        new Activation.Relu(), HE);
    MaxPool2d pool1 = new MaxPool2d("maxpool1", 1, conv1.outputShape(),
        Window.unpadded(2, 2, 2, 2));
    Conv2d conv2 = new Conv2d("conv2", 2, pool1.outputShape(), 6, new Window(2, 2, 2, 2, 0, 0),
        new Activation.Tanh(), XAVIER);
    AvgPool2d pool2 = new AvgPool2d("avgpool1", 3, conv2.outputShape(),
        Window.unpadded(2, 1, 1, 1));
    Flatten flat = new Flatten("flatten1", 4, pool2.outputShape());
    return new Network("SmallCnn", "cnn.net", in,
        List.of(conv1, pool1, conv2, pool2, flat,
            new Dense("logits", 5, flat.outSize(), 3, new Activation.Softmax(), XAVIER)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.01, 0.9, false, 0), 5, Precision.FLOAT);
  }

  /**
   * A float CNN whose predict over a team runs in stages ({@link PredictSplit}): 2x24x24,
   * conv2d 16 3x3 (padding 1) relu, maxpool 2x2, conv2d 16 3x3 (padding 1) relu, maxpool 2x2,
   * dense 10 softmax; each convolution has 100k multiply-adds or more.
   */
  static Network stagedCnn() {
    Shape.Image in = new Shape.Image(2, 24, 24);
    Conv2d conv1 = new Conv2d("conv1", 0, in, 16, new Window(3, 3, 1, 1, 1, 1),
        new Activation.Relu(), HE);
    MaxPool2d pool1 = new MaxPool2d("maxpool1", 1, conv1.outputShape(),
        Window.unpadded(2, 2, 2, 2));
    Conv2d conv2 = new Conv2d("conv2", 2, pool1.outputShape(), 16, new Window(3, 3, 1, 1, 1, 1),
        new Activation.Relu(), HE);
    MaxPool2d pool2 = new MaxPool2d("maxpool2", 3, conv2.outputShape(),
        Window.unpadded(2, 2, 2, 2));
    return new Network("StagedCnn", "staged-cnn.net", in,
        List.of(conv1, pool1, conv2, pool2,
            new Dense("logits", 4, pool2.outSize(), 10, new Activation.Softmax(), HE)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.01, 0.9, false, 0), 11, Precision.FLOAT);
  }

  /**
   * A float CNN whose 2048 → 16 dense layer (128 KB) a training batch of at least {@link
   * AlignedWeights#MIN_TRAINING_EXAMPLES} runs over aligned copies: 1x16x16, conv2d 8 3x3
   * (padding 1) relu, flatten, dense 16 relu, dense 3 softmax.
   */
  static Network alignedCnn() {
    Shape.Image in = new Shape.Image(1, 16, 16);
    Conv2d conv1 = new Conv2d("conv1", 0, in, 8, new Window(3, 3, 1, 1, 1, 1),
        new Activation.Relu(), HE);
    Flatten flat = new Flatten("flatten1", 1, conv1.outputShape());
    return new Network("AlignedCnn", "aligned-cnn.net", in,
        List.of(conv1, flat, new Dense("hidden", 2, flat.outSize(), 16, new Activation.Relu(), HE),
            new Dense("logits", 3, 16, 3, new Activation.Softmax(), XAVIER)),
        Optional.of(new Loss.CrossEntropy(LossReduction.MEAN)),
        new Optimizer.Sgd(0.01, 0.9, false, 0), 9, Precision.FLOAT);
  }
}
