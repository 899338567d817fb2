package dev.netc.onnx;

import dev.netc.onnx.proto.OnnxProto.AttributeProto;
import dev.netc.onnx.proto.OnnxProto.NodeProto;

/**
 * A node of the graph being imported, with its position, for messages such as
 * {@code node '/fc1/Gemm' (Gemm), node 3 of 12: ...}, and typed access to its attributes.
 */
record NodeRef(NodeProto proto, int position, int count) {

  /** The op type, made safe for messages. */
  String op() {
    return Text.oneLine(proto.getOpType());
  }

  /** An import error about this node. */
  OnnxException fail(String problem) {
    return new OnnxException("node " + Text.quote(proto.getName()) + " (" + op() + "), node "
        + position + " of " + count + ": " + problem);
  }

  /** The attribute {@code name}, or null. */
  AttributeProto attribute(String name) {
    for (AttributeProto a : proto.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  /** A float attribute, or {@code fallback} when absent. */
  double floatAttr(String name, double fallback) throws OnnxException {
    AttributeProto a = attribute(name);
    if (a == null) {
      return fallback;
    }
    if (a.getType() != AttributeProto.AttributeType.FLOAT || !Float.isFinite(a.getF())) {
      throw fail("attribute '" + name + "' is not a finite float");
    }
    return a.getF();
  }

  /** An integer attribute, or {@code fallback} when absent. */
  long intAttr(String name, long fallback) throws OnnxException {
    AttributeProto a = attribute(name);
    if (a == null) {
      return fallback;
    }
    if (a.getType() != AttributeProto.AttributeType.INT) {
      throw fail("attribute '" + name + "' is not an integer");
    }
    return a.getI();
  }

  /** A string attribute (UTF-8), or {@code fallback} when absent. */
  String stringAttr(String name, String fallback) throws OnnxException {
    AttributeProto a = attribute(name);
    if (a == null) {
      return fallback;
    }
    if (a.getType() != AttributeProto.AttributeType.STRING) {
      throw fail("attribute '" + name + "' is not a string");
    }
    return a.getS().toStringUtf8();
  }

  /** An integer-list attribute, or null when absent. */
  long[] intsAttr(String name) throws OnnxException {
    AttributeProto a = attribute(name);
    if (a == null) {
      return null;
    }
    if (a.getType() != AttributeProto.AttributeType.INTS) {
      throw fail("attribute '" + name + "' is not a list of integers");
    }
    return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
  }

  /** The name of input {@code i}, or "" when the node has no such input (an omitted optional). */
  String input(int i) {
    return i < proto.getInputCount() ? proto.getInput(i) : "";
  }
}
