package dev.netc.interp;

import dev.netc.ir.Shape;
import dev.netc.ir.Window;

/**
 * Where the windows of a pooling layer lie on its input: one per channel and output position.
 *
 * @param in the layer's input shape
 * @param out the layer's output shape
 */
record PoolGrid(Shape.Image in, Shape.Image out, Window window) {

  /** Number of input values of one example. */
  int inSize() {
    return in.size();
  }

  /** Input index of the top-left value of output {@code (c, y, x)}'s window. */
  int first(int c, int y, int x) {
    return (c * in.height() + y * window.strideHeight()) * in.width() + x * window.strideWidth();
  }

  /** Input index of value {@code (i, j)} of the window that starts at {@code first}. */
  int at(int first, int i, int j) {
    return first + i * in.width() + j;
  }

  /** Flat index of output {@code (c, y, x)}. */
  int output(int c, int y, int x) {
    return (c * out.height() + y) * out.width() + x;
  }
}
