package dev.netc.codegen;

import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import java.util.Optional;

/**
 * Thrown for a network with a layer kind that the code generator does not emit yet (conv2d,
 * pooling and flatten, which only the interpreter runs so far).
 */
public final class UnsupportedLayerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private UnsupportedLayerException(String message) {
    super(message);
  }

  /** Throws if {@code network} has a layer without generated code. */
  public static void check(Network network) {
    Optional<Layer> layer = network.layers().stream().filter(l -> !(l instanceof Dense))
        .findFirst();
    if (layer.isPresent()) {
      throw new UnsupportedLayerException("generated code for conv2d, maxpool, avgpool and "
          + "flatten layers is not available yet (layer '" + layer.get().name()
          + "' of network '" + network.name() + "')");
    }
  }
}
