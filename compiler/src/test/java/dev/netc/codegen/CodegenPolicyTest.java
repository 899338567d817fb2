package dev.netc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.ir.Activation;
import dev.netc.ir.Dense;
import dev.netc.ir.Layer;
import dev.netc.ir.Network;
import dev.netc.ir.WeightInit;
import dev.netc.runtime.Init;
import org.junit.jupiter.api.Test;

/** The specialization policy's decisions, and that they show in the generated source. */
class CodegenPolicyTest {
  private static Layer layer(int in, int out) {
    return new Dense("l", 0, in, out, new Activation.Relu(), new WeightInit(Init.Scheme.HE, 0));
  }

  @Test
  void defaultPolicyUnrollsOnlySmallLayers() {
    CodegenPolicy p = CodegenPolicy.defaults();
    assertEquals(CodegenPolicy.Kernel.UNROLLED, p.kernel(layer(2, 4)));
    assertEquals(CodegenPolicy.Kernel.UNROLLED, p.kernel(layer(16, 16)));
    assertEquals(CodegenPolicy.Kernel.UNROLLED, p.kernel(layer(8, 32)));
    assertEquals(CodegenPolicy.Kernel.LOOPED, p.kernel(layer(17, 1)), "fan-in above 16");
    assertEquals(CodegenPolicy.Kernel.LOOPED, p.kernel(layer(1, 33)), "fan-out above 32");
    assertEquals(CodegenPolicy.Kernel.LOOPED, p.kernel(layer(16, 17)), "more than 256 weights");
    assertEquals(CodegenPolicy.Kernel.LOOPED, p.kernel(layer(4096, 4096)));
    assertEquals(CodegenPolicy.Kernel.LOOPED, CodegenPolicy.alwaysLooped().kernel(layer(1, 1)));
  }

  @Test
  void rowsAtATimeNeverExceedTheOutputs() {
    CodegenPolicy p = CodegenPolicy.defaults();
    assertEquals(4, p.accumulatorsFor(4096));
    assertEquals(3, p.accumulatorsFor(3));
    assertEquals(1, p.accumulatorsFor(1));
  }

  @Test
  void limitsThatCouldBreakTheMethodSizeBudgetAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new CodegenPolicy(257, 16, 32, 4, 16));
    assertThrows(IllegalArgumentException.class, () -> new CodegenPolicy(256, 33, 32, 4, 16));
    assertThrows(IllegalArgumentException.class, () -> new CodegenPolicy(256, 16, 33, 4, 16));
    assertThrows(IllegalArgumentException.class, () -> new CodegenPolicy(256, 16, 32, 0, 16));
    assertThrows(IllegalArgumentException.class, () -> new CodegenPolicy(256, 16, 32, 9, 16));
    assertThrows(IllegalArgumentException.class, () -> new CodegenPolicy(256, 16, 32, 4, 0));
    assertThrows(IllegalArgumentException.class, () -> new CodegenPolicy(256, 16, 32, 4, 33));
  }

  @Test
  void kernelsShowInTheGeneratedSource() {
    Network regression = SampleNetworks.regression(); // 20-40 looped, 40-1 looped (fan-in 40)
    String looped = JavaGenerator.generate(regression, "p").toString();
    assertTrue(looped.contains("for (int o = 0; o < 40; o += 4) {"), looped);
    assertTrue(looped.contains("s3 += w[k + 60 + i] * xi;"));
    String unrolled = JavaGenerator.generate(SampleNetworks.xor(), "p").toString();
    assertTrue(unrolled.contains("z[3] = w[6] * x[0] + w[7] * x[1] + b[3];"), unrolled);
    String forcedLoops = JavaGenerator.generate(SampleNetworks.xor(), "p",
        CodegenPolicy.alwaysLooped()).toString();
    assertTrue(forcedLoops.contains("for (int o = 0; o < 4; o += 4) {"), forcedLoops);
  }

  @Test
  void miniBatchKernelsAreUsedWhenALayerIsLooped() {
    CodegenPolicy p = CodegenPolicy.defaults();
    assertEquals(64, p.chunk());
    assertEquals(CodegenPolicy.Backend.SCALAR, p.backend());
    assertTrue(p.batched(SampleNetworks.regression()), "20-40-1 has looped layers");
    assertFalse(p.batched(SampleNetworks.xor()), "all unrolled: per-example code");
    assertFalse(p.withChunk(0).batched(SampleNetworks.regression()), "chunk 0 disables");
    assertEquals(4, p.forwardRows(layer(784, 256)));
    assertEquals(4, p.forwardInputs(layer(784, 256)));
    assertEquals(2, p.forwardRows(layer(784, 2)), "never more rows than outputs");
    assertEquals(3, p.forwardInputs(layer(3, 256)), "never more inputs than the layer has");
    assertThrows(IllegalArgumentException.class, () -> p.withChunk(3));
    assertThrows(IllegalArgumentException.class, () -> p.withChunk(257));
  }

  @Test
  void backendsParseAndShowInTheGeneratedSource() {
    assertEquals(CodegenPolicy.Backend.VECTOR, CodegenPolicy.Backend.parse("Vector"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CodegenPolicy.Backend.parse("simd"));
    assertEquals("unknown backend 'simd'; expected scalar or vector", e.getMessage());
    Network regression = SampleNetworks.regression();
    String scalar = JavaGenerator.generate(regression, "p").toString();
    assertFalse(scalar.contains("jdk.incubator"), "the default needs nothing but the runtime");
    assertTrue(scalar.contains("private static final int CHUNK = 64;"), scalar);
    assertTrue(scalar.contains("zr[j] += c0 * x0[j] + c1 * x1[j] + c2 * x2[j] + c3 * x3[j];"),
        scalar);
    String vector = JavaGenerator.generate(regression, "p",
        CodegenPolicy.defaults().withBackend(CodegenPolicy.Backend.VECTOR)).toString();
    assertTrue(vector.contains("DoubleVector.SPECIES_PREFERRED"), "regression is double");
    assertTrue(vector.contains("acc00 = w0.fma(x0, acc00);"), vector);
  }
}
