package dev.netc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.diag.Diagnostic;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The real front end and code generator behind the plugin's seam. */
class NetcCompilerTest {
  private static final String TWO = """
      network Xor {
        input 2
        dense 4 tanh
        dense 1 sigmoid
        loss binary_cross_entropy
      }
      network Scorer {
        input 3
        dense 1 identity
      }
      """;

  @Test
  void oneSourcePerNetworkInThePackageFolderAndByteIdenticalAgain() {
    NetCompiler.Result first = new NetcCompiler().compile("com/acme/two.net", TWO, "com.acme");
    assertEquals(List.of(), first.diagnostics());
    assertEquals(List.of("com/acme/Xor.java", "com/acme/Scorer.java"),
        first.sources().stream().map(NetCompiler.Source::relativePath).toList());
    String xor = first.sources().get(0).content();
    assertTrue(xor.startsWith("package com.acme;"), xor.substring(0, 40));
    assertTrue(xor.contains("com/acme/two.net"), "javadoc names the input as given");
    NetCompiler.Result again = new NetcCompiler().compile("com/acme/two.net", TWO, "com.acme");
    assertEquals(first.sources(), again.sources());
  }

  @Test
  void errorsComeBackAsDiagnosticsWithoutSources() {
    NetCompiler.Result r = new NetcCompiler().compile("bad.net",
        "network Bad {\n  input 2\n  dense 3 relu6\n}\n", "bad");
    assertTrue(r.hasErrors());
    assertEquals(List.of(), r.sources());
    Diagnostic d = r.diagnostics().get(0);
    assertEquals("bad.net:3:11", d.file() + ":" + d.line() + ":" + d.column());
    assertFalse(d.message().isEmpty());
  }
}
