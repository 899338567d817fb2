package dev.netc.interp;

/** Flatten: images are stored in C, H, W order already, so values and gradients pass as they are. */
final class FlattenPass implements LayerPass {

  @Override
  public void forward(double[] params, double[] in, double[] z) {
    System.arraycopy(in, 0, z, 0, z.length);
  }

  @Override
  public void backward(double[] params, double[] in, double[] dz, double[] grad, double[] dIn) {
    if (dIn != null) {
      System.arraycopy(dz, 0, dIn, 0, dz.length);
    }
  }
}
