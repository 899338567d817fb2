package com.example;

/** An application that trains the generated {@link Xor} network and prints its predictions. */
public final class App {
  static final float[] INPUTS = {0, 0, 0, 1, 1, 0, 1, 1};
  static final float[] TARGETS = {0, 1, 1, 0};

  private App() {}

  /** Trains full-batch for {@code steps} Adam steps and returns the last loss. */
  static float train(Xor net, int steps) {
    float loss = Float.NaN;
    for (int i = 0; i < steps; i++) {
      loss = net.trainBatch(INPUTS, TARGETS, 4);
    }
    return net.loss(INPUTS, TARGETS, 4);
  }

  public static void main(String[] args) {
    Xor net = new Xor();
    System.out.println("loss " + train(net, 1000));
    for (int i = 0; i < 4; i++) {
      float[] x = {INPUTS[2 * i], INPUTS[2 * i + 1]};
      System.out.println(x[0] + " xor " + x[1] + " = " + net.predict(x)[0]);
    }
  }
}
