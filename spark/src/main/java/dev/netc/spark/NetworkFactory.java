package dev.netc.spark;

import dev.netc.runtime.FloatNetwork;
import java.io.Serializable;

/**
 * Makes a fresh instance of a generated network on an executor; pass a constructor reference
 * ({@code FashionMlp::new}). Only the reference travels with a task: the class itself comes from
 * the application jar, which Spark puts on every executor's classpath.
 *
 * @param <N> the generated network type
 */
@FunctionalInterface
public interface NetworkFactory<N extends FloatNetwork> extends Serializable {

  /** A new instance; its initial parameters do not matter, they are replaced before use. */
  N create();
}
