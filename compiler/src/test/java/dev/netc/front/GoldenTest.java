package dev.netc.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.ir.IrPrinter;
import dev.netc.ir.Network;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every good file compiles without diagnostics and its IR dump equals the golden file. Run with
 * {@code -Dnetc.updateGolden=true} to rewrite the golden files after an intended change.
 */
class GoldenTest {
  private static final boolean UPDATE = Boolean.getBoolean("netc.updateGolden");

  @TestFactory
  Stream<DynamicTest> goodFilesMatchGoldenIr() {
    return Corpus.files("good").stream().map(p -> DynamicTest.dynamicTest(Corpus.stem(p),
        () -> check(p)));
  }

  private static void check(Path file) throws IOException {
    FrontendResult r = Frontend.compile(file.getFileName().toString(), Corpus.read(file));
    assertFalse(r.hasErrors(), () -> r.renderDiagnostics());
    assertTrue(r.diagnostics().isEmpty(), () -> r.renderDiagnostics());
    assertFalse(r.networks().isEmpty());
    StringBuilder dump = new StringBuilder();
    for (Network n : r.networks()) {
      dump.append(IrPrinter.print(n));
    }
    Path golden = Corpus.ROOT.resolve("expected").resolve(Corpus.stem(file) + ".ir");
    if (UPDATE) {
      Files.writeString(golden, dump, StandardCharsets.UTF_8);
    }
    assertTrue(Files.exists(golden), "missing " + golden + "; run with -Dnetc.updateGolden=true");
    assertEquals(Files.readString(golden, StandardCharsets.UTF_8), dump.toString());
  }
}
