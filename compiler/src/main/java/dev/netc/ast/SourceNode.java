package dev.netc.ast;

import java.util.List;

/** A whole {@code .net} file: its networks in order. */
public record SourceNode(String fileName, List<NetworkNode> networks) {

  /** Copies the network list. */
  public SourceNode {
    networks = List.copyOf(networks);
  }
}
