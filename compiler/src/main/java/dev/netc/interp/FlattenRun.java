package dev.netc.interp;

/** Flatten: images are stored in C, H, W order already, so values and gradients pass as they are. */
final class FlattenRun implements LayerRun {

  @Override
  public void forward(double[] params, double[] in, double[] z) {
    System.arraycopy(in, 0, z, 0, z.length);
  }

  @Override
  public void backward(double[] params, double[] in, double[] delta, double[] grad,
      double[] inDelta) {
    if (inDelta != null) {
      System.arraycopy(delta, 0, inDelta, 0, delta.length);
    }
  }
}
