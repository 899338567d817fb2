package dev.netc.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.TypeName;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;

/**
 * What every emitter needs to know about the class being generated.
 *
 * @param network the network
 * @param policy the specialization policy
 * @param names every identifier of the class
 */
record EmitContext(Network network, CodegenPolicy policy, Names names) {

  static EmitContext of(Network network, CodegenPolicy policy) {
    boolean adam = network.optimizer() instanceof Optimizer.Adam;
    return new EmitContext(network, policy,
        new Names(network, adam ? "ExpAvg" : "Momentum", adam ? "ExpAvgSq" : "Unused"));
  }

  /** The network's precision. */
  Precision precision() {
    return network.precision();
  }

  /** {@code float} or {@code double}. */
  TypeName scalar() {
    return precision() == Precision.FLOAT ? TypeName.FLOAT : TypeName.DOUBLE;
  }

  /** {@code float[]} or {@code double[]}. */
  ArrayTypeName array() {
    return ArrayTypeName.of(scalar());
  }

  /** A literal of the network's precision. */
  String lit(double v) {
    return precision().literal(v);
  }

  /** True if the network has a loss and therefore training methods. */
  boolean trainable() {
    return network.loss().isPresent();
  }

  /** The field holding the input of layer {@code index}: the input copy or the previous act. */
  String inputOf(int index) {
    return index == 0 ? "input" : names.layer(index - 1).act();
  }

  /** The output layer's names. */
  Names.LayerNames outputNames() {
    return names.layer(network.layers().size() - 1);
  }
}
