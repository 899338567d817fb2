package dev.netc.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.codegen.InMemoryCompiler;
import dev.netc.runtime.DoubleNetwork;
import dev.netc.runtime.FloatNetwork;
import dev.netc.runtime.io.Safetensors;
import dev.netc.runtime.io.SafetensorsException;
import dev.netc.runtime.io.Tensor;
import dev.netc.runtime.io.Weights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad weight files loaded into a live generated class: each gives one message naming the problem,
 * and the network keeps every parameter it had (the damage is always in the last tensor, so a
 * loader that copied tensor by tensor would already have changed the others).
 */
class WeightsIntoGeneratedTest {
  private static final String MODEL = """
      network Small { input 3 dense 2 tanh as hidden dense 1 sigmoid as out
        loss binary_cross_entropy }
      network Wide { input 3 dense 2 tanh as hidden dense 1 sigmoid as out
        loss binary_cross_entropy precision double }
      """;
  private static InMemoryCompiler.Compiled compiled;

  @TempDir Path dir;

  @BeforeAll
  static void compile() {
    compiled = Generated.compile(Generated.accept("small.net", MODEL));
  }

  /** hidden.weight [2, 3], hidden.bias [2], out.weight [1, 2], then out.bias [1] (F32). */
  private static String header(String lastTensor) {
    return "{\"hidden.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
        + "\"hidden.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
        + "\"out.weight\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[32,40]},"
        + "\"out.bias\":" + lastTensor + "}";
  }

  private static byte[] raw(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length).put(h).put(data).array();
  }

  private static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  /** The 11 parameters 1, 2, ..., 11 as F32 bytes. */
  private static final byte[] VALUES = floats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);

  static Stream<Arguments> badFiles() {
    String ok = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[40,44]}";
    byte[] good = VALUES.clone();
    byte[] nan = VALUES.clone();
    ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(40, Float.NaN);
    byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 60)
        .putLong(0).array();
    Map<String, Tensor> tooBig = new LinkedHashMap<>();
    tooBig.put("hidden.weight", Tensor.ofDoubles(new int[] {2, 3}, new double[6]));
    tooBig.put("hidden.bias", Tensor.ofDoubles(new int[] {2}, new double[2]));
    tooBig.put("out.weight", Tensor.ofDoubles(new int[] {1, 2}, new double[2]));
    tooBig.put("out.bias", Tensor.ofDoubles(new int[] {1}, new double[] {1e300}));
    return Stream.of(
        Arguments.of("NaN value", raw(header(ok), nan),
            "tensor 'out.bias' has value NaN at index [0]"),
        Arguments.of("wrong shape", raw(header(ok.replace("[1]", "[1,1]")), good),
            "tensor 'out.bias' has shape [1, 1] but the network expects [1]"),
        Arguments.of("wrong dtype", raw(header(ok.replace("F32", "BF16")), good),
            "tensor 'out.bias' has dtype 'BF16'; netc reads only F32 and F64"),
        Arguments.of("truncated data", raw(header(ok), Arrays.copyOf(good, 42)),
            "tensor 'out.bias' has data_offsets [40, 44] beyond the end of the data (42 bytes)"),
        Arguments.of("overlapping offsets", raw(header(ok.replace("[40,44]", "[36,40]")),
            Arrays.copyOf(good, 40)), "overlap"),
        Arguments.of("negative offsets", raw(header(ok.replace("[40,44]", "[-4,44]")), good),
            "tensor 'out.bias' has data_offsets [-4, 44]; expected two non-negative integers"),
        Arguments.of("offsets out of range", raw(header(ok.replace("[40,44]",
            "[40,9223372036854775807]")), good), "beyond the end of the data"),
        Arguments.of("huge header length", huge,
            "header length 1152921504606846976 exceeds the limit"),
        Arguments.of("missing tensor", raw(header(ok).replace(",\"out.bias\":" + ok, ""),
            Arrays.copyOf(good, 40)), "missing tensor 'out.bias'"),
        Arguments.of("extra tensor", raw(header(ok).replace("}}", "},\"x\":{\"dtype\":\"F32\","
            + "\"shape\":[],\"data_offsets\":[44,48]}}"), Arrays.copyOf(VALUES, 48)),
            "unexpected tensor 'x'"),
        Arguments.of("out of float range", Safetensors.encode(tooBig, Map.of()),
            "tensor 'out.bias' has value 1.0E300 at index [0], which is out of float range"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFiles")
  void aBadFileChangesNothingInAGeneratedFloatNetwork(String what, byte[] bytes, String expected)
      throws IOException {
    FloatNetwork net = (FloatNetwork) Generated.instance(compiled, "Small");
    float[] before = new float[net.parameterCount()];
    net.getParameters(before);
    float[] y = new float[1];
    net.predict(new float[] {1, 2, 3}, y);
    Path file = dir.resolve("bad.safetensors");
    Files.write(file, bytes);
    SafetensorsException e = assertThrows(SafetensorsException.class,
        () -> Weights.load(file, net));
    assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    float[] after = new float[net.parameterCount()];
    net.getParameters(after);
    assertArrayEquals(before, after, "parameters changed by a failed load");
    float[] y2 = new float[1];
    net.predict(new float[] {1, 2, 3}, y2);
    assertArrayEquals(y, y2);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFiles")
  void aBadStreamChangesNothingInAGeneratedDoubleNetwork(String what, byte[] bytes,
      String expected) throws IOException {
    DoubleNetwork net = (DoubleNetwork) Generated.instance(compiled, "Wide");
    double[] before = new double[net.parameterCount()];
    net.getParameters(before);
    try {
      Weights.load(new java.io.ByteArrayInputStream(bytes), "asset", net);
      // Only the float range check is specific to float networks; 1e300 fits a double.
      assertEquals("out of float range", what);
    } catch (SafetensorsException e) {
      assertTrue(e.getMessage().startsWith("asset: "), e.getMessage());
      double[] after = new double[net.parameterCount()];
      net.getParameters(after);
      assertArrayEquals(before, after, "parameters changed by a failed load");
    }
  }

  /** The good file of the cases above does load, so each failure is due to its one defect. */
  @Test
  void theUndamagedFileLoads() throws IOException {
    String ok = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[40,44]}";
    Path file = dir.resolve("good.safetensors");
    Files.write(file, raw(header(ok), VALUES.clone()));
    FloatNetwork net = (FloatNetwork) Generated.instance(compiled, "Small");
    Weights.load(file, net);
    float[] p = new float[net.parameterCount()];
    net.getParameters(p);
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, p);
  }
}
