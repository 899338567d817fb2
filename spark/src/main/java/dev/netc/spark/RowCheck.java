package dev.netc.spark;

import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.TrainableFloatNetwork;
import java.io.Serializable;

/**
 * What a row must look like for a network: {@code inputSize} finite inputs and, for training,
 * {@code targetWidth} finite targets that are class indices below {@code classCount} when the
 * network classifies.
 *
 * @param inputSize inputs per row
 * @param targetWidth targets per row (0 when only inputs are read)
 * @param classCount number of classes for class-index targets, else 0
 */
record RowCheck(int inputSize, int targetWidth, int classCount) implements Serializable {

  /** The check for training {@code net}: class indices when its targets are narrower. */
  static RowCheck of(TrainableFloatNetwork net) {
    boolean classes = net.targetWidth() == 1 && net.outputSize() > 1;
    return new RowCheck(net.inputSize(), net.targetWidth(), classes ? net.outputSize() : 0);
  }

  /** The check for running {@code net} on inputs only. */
  static RowCheck inputsOf(FloatNetwork net) {
    return new RowCheck(net.inputSize(), 0, 0);
  }

  /** Throws a {@link BadRowException} if row {@code row} of {@code partition} is unusable. */
  void check(int partition, long row, float[] inputs, float[] targets) {
    values(partition, row, "features", inputs, inputSize);
    if (targetWidth == 0) {
      return;
    }
    values(partition, row, "label", targets, targetWidth);
    if (classCount > 0) {
      float c = targets[0];
      if (c != (int) c || c < 0 || c >= classCount) {
        throw new BadRowException(partition, row,
            "label " + c + " is not a class index in [0, " + classCount + ")");
      }
    }
  }

  private static void values(int partition, long row, String what, float[] values, int width) {
    if (values == null) {
      throw new BadRowException(partition, row, what + " are null");
    }
    if (values.length != width) {
      throw new BadRowException(partition, row,
          what + " have " + values.length + " values but the network needs " + width);
    }
    for (int i = 0; i < width; i++) {
      if (!Float.isFinite(values[i])) {
        throw new BadRowException(partition, row, what + " value " + i + " is " + values[i]);
      }
    }
  }
}
