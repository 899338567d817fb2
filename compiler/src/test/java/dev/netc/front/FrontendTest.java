package dev.netc.front;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.check.Names;
import dev.netc.diag.Diagnostic;
import dev.netc.diag.Suggest;
import dev.netc.ir.Activation;
import dev.netc.ir.IrPrinter;
import dev.netc.ir.Loss;
import dev.netc.ir.Network;
import dev.netc.ir.Optimizer;
import dev.netc.ir.Precision;
import dev.netc.runtime.Init;
import dev.netc.runtime.LossReduction;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The facade's contract, the defaults, and the helpers behind the messages. */
class FrontendTest {

  private static Network single(String source) {
    FrontendResult r = Frontend.compile("t.net", source);
    assertFalse(r.hasErrors(), r::renderDiagnostics);
    assertEquals(1, r.networks().size());
    return r.networks().get(0);
  }

  @Test
  void defaultsFollowTheLanguageReference() {
    Network n = single("network N { input 3 dense 4 relu dense 2 sigmoid }");
    assertEquals("dense1", n.layers().get(0).name());
    assertEquals("dense2", n.layers().get(1).name());
    assertEquals(new Optimizer.Sgd(0.01, 0, false, 0), n.optimizer());
    assertEquals(Init.Scheme.HE, n.layers().get(0).init().scheme());
    assertEquals(Init.Scheme.XAVIER, n.layers().get(1).init().scheme());
    assertEquals(0, n.seed());
    assertEquals(Precision.FLOAT, n.precision());
    assertEquals(Optional.empty(), n.loss());
    assertEquals("t.net", n.sourceFile());
  }

  @Test
  void adamDefaultsAreTorchDefaults() {
    Network n = single("network N { input 3 dense 2 sigmoid optimizer adam }");
    assertEquals(new Optimizer.Adam(0.001, 0.9, 0.999, 1e-8, 0), n.optimizer());
  }

  @Test
  void linearIsIdentityAndActivationOptionsHaveDefaults() {
    Network n = single("network N { input 3 dense 2 linear dense 2 leaky_relu dense 2 elu }");
    assertInstanceOf(Activation.Identity.class, n.layers().get(0).activation());
    assertEquals(new Activation.LeakyRelu(0.01), n.layers().get(1).activation());
    assertEquals(new Activation.Elu(1.0), n.layers().get(2).activation());
  }

  @Test
  void lossReductionDefaultsToMean() {
    Network n = single("network N { input 3 dense 2 softmax loss cross_entropy }");
    assertEquals(new Loss.CrossEntropy(LossReduction.MEAN), n.loss().orElseThrow());
    assertEquals(1, n.targetWidth());
  }

  @Test
  void initWithoutSchemeKeepsLayerDefaultsAndSetsSeed() {
    Network n = single("network N { input 3 dense 2 elu dense 1 tanh init (seed = 9) }");
    assertEquals(9, n.seed());
    assertEquals(Init.Scheme.HE, n.layers().get(0).init().scheme());
    assertEquals(Init.Scheme.XAVIER, n.layers().get(1).init().scheme());
  }

  @Test
  void networksAreReturnedOnlyWithoutErrors() {
    FrontendResult r = Frontend.compile("t.net",
        "network A { input 3 dense 2 relu }\nnetwork B { input 3 dense 2 relu6 }\n");
    assertTrue(r.hasErrors());
    assertEquals(List.of(), r.networks());
  }

  @Test
  void rendersLikeJavacWithSourceLineAndCaret() {
    FrontendResult r = Frontend.compile("model.net",
        "network A {\n  input 4\n  dense 4 relu6\n}\n");
    assertEquals("model.net:3:11: error: unknown activation 'relu6'; did you mean 'relu'?\n"
        + "    dense 4 relu6\n"
        + "            ^^^^^\n", r.renderDiagnostics());
  }

  @Test
  void reportsEveryErrorSortedByPosition() {
    FrontendResult r = Frontend.compile("t.net",
        "network A {\n input 4 #\n dense 0 relu\n dense 2 sigmoid as class\n}\n"
            + "network A { input 1 dense 1 relu }\n");
    List<Integer> lines = r.diagnostics().stream().map(Diagnostic::line).toList();
    assertEquals(List.of(2, 3, 4, 6), lines, r::renderDiagnostics);
  }

  @Test
  void printerIsDeterministic() {
    String source = "network N { input 3 dense 4 relu as h dense 2 sigmoid loss mse }";
    assertEquals(IrPrinter.print(single(source)), IrPrinter.print(single(source)));
    assertTrue(IrPrinter.print(single(source)).contains("h.weight [4, 3] at 0 size 12"));
  }

  @Test
  void suggestionsUseEditDistance() {
    List<String> words = List.of("relu", "sigmoid", "softmax");
    assertEquals(Optional.of("relu"), Suggest.closest("relu6", words));
    assertEquals(Optional.of("sigmoid"), Suggest.closest("sigmiod", words));
    assertEquals(Optional.of("softmax"), Suggest.closest("SoftMax", words));
    assertEquals(Optional.empty(), Suggest.closest("swish", words));
    assertEquals(Optional.empty(), Suggest.closest("x", List.of("he")));
  }

  @Test
  void namesFollowJavaRules() {
    assertEquals(Optional.empty(), Names.identifierProblem("hidden1"));
    assertEquals(Optional.empty(), Names.identifierProblem("schicht_ä"));
    assertTrue(Names.identifierProblem("class").orElseThrow().contains("keyword"));
    assertTrue(Names.identifierProblem("_").orElseThrow().contains("keyword"));
    assertTrue(Names.identifierProblem("sealed").orElseThrow().contains("restricted"));
    assertTrue(Names.identifierProblem("false").orElseThrow().contains("literal"));
    assertTrue(Names.identifierProblem("x²").orElseThrow().contains("not a valid"));
    assertTrue(Names.networkNameProblem("Object").isPresent());
    assertEquals(Optional.empty(), Names.identifierProblem("Object"));
  }
}
