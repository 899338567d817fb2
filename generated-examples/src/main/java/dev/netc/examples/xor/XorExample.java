package dev.netc.examples.xor;

/**
 * Trains the generated {@link Xor} network (from {@code xor.net}) on the four XOR examples and
 * prints what it learned.
 */
public final class XorExample {
  /** The four examples, two inputs each, row-major. */
  static final float[] INPUTS = {0, 0, 0, 1, 1, 0, 1, 1};
  /** One target per example: the binary_cross_entropy loss wants one value per output. */
  static final float[] TARGETS = {0, 1, 1, 0};

  private XorExample() {}

  /** Trains on the whole batch for {@code steps} optimizer steps and returns the final loss. */
  public static float train(Xor net, int steps) {
    for (int i = 0; i < steps; i++) {
      net.trainBatch(INPUTS, TARGETS, 4);
    }
    return net.loss(INPUTS, TARGETS, 4);
  }

  /** Trains a fresh network and prints the loss and the four answers. */
  public static void main(String[] args) {
    Xor net = new Xor();
    System.out.printf("loss after 1000 steps: %.5f%n", train(net, 1000));
    float[] out = new float[Xor.OUTPUT_SIZE];
    float[] x = new float[Xor.INPUT_SIZE];
    for (int i = 0; i < 4; i++) {
      x[0] = INPUTS[2 * i];
      x[1] = INPUTS[2 * i + 1];
      net.predict(x, out);
      System.out.printf("%.0f xor %.0f -> %.3f%n", x[0], x[1], out[0]);
    }
  }
}
