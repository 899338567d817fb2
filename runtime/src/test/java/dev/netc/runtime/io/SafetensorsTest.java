package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsTest {

  @TempDir Path dir;

  /** A whole file: the 8-byte length of {@code header} (unpadded), the header, then data. */
  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(h.length).put(h).put(data).array();
  }

  static byte[] f32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  static byte[] f64(double... values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      b.putDouble(v);
    }
    return b.array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static Map<String, Tensor> sample() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("dense1.weight", Tensor.ofFloats(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
    m.put("dense1.bias", Tensor.ofFloats(new int[] {2}, new float[] {0.5f, -0.5f}));
    m.put("loss", Tensor.scalar(Dtype.F64, 0.25));
    return m;
  }

  @Test
  void writesTheBytesTheReferenceImplementationWrites() {
    // Reference writer: F64 before F32, then by name; compact JSON; header padded with spaces
    // to a multiple of 8; offsets relative to the data section; no __metadata__ unless given.
    String header = "{\"loss\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]},"
        + "\"dense1.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
        + "\"dense1.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[16,40]}}";
    String padded = header + " ".repeat((8 - header.length() % 8) % 8);
    byte[] expected = file(padded, concat(f64(0.25), f32(0.5f, -0.5f), f32(1, 2, 3, 4, 5, 6)));
    assertArrayEquals(expected, Safetensors.encode(sample(), Map.of()));
    assertEquals(0, padded.length() % 8);
  }

  @Test
  void writesMetadataFirstAndAlignsWithoutPaddingWhenNotNeeded() {
    // A 64-byte header needs no padding at all.
    Map<String, Tensor> m = Map.of("attn.0",
        Tensor.ofFloats(new int[] {1, 2, 3}, new float[] {0, 1, 2, 3, 4, 5}));
    byte[] bytes = Safetensors.encode(m, Map.of());
    String header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
    assertEquals(64, header.length());
    assertArrayEquals(file(header, f32(0, 1, 2, 3, 4, 5)), bytes);

    // Metadata comes first; 35 bytes of JSON get 5 spaces.
    byte[] withMeta = Safetensors.encode(Map.of(), Map.of("framework", "pt"));
    assertArrayEquals(file("{\"__metadata__\":{\"framework\":\"pt\"}}     ", new byte[0]),
        withMeta);
    assertEquals(40, withMeta[0]);
    assertArrayEquals(file("{}      ", new byte[0]), Safetensors.encode(Map.of(), Map.of()));
  }

  @Test
  void roundTripsThroughAFileIncludingScalarsAndMetadata() throws IOException {
    Path p = dir.resolve("w.safetensors");
    Map<String, Tensor> m = new LinkedHashMap<>(sample());
    m.put("empty", Tensor.ofDoubles(new int[] {0, 4}, new double[0]));
    m.put("precise", Tensor.ofDoubles(new int[] {3}, new double[] {Math.PI, -1e-300, 1e300}));
    Safetensors.write(p, m, Map.of("producer", "netc", "format", "pt"));
    Safetensors.Contents c = Safetensors.readContents(p, false);
    assertEquals(m.keySet(), c.tensors().keySet());
    for (String name : m.keySet()) {
      assertEquals(m.get(name), c.tensors().get(name), name);
    }
    assertEquals(Map.of("producer", "netc", "format", "pt"), c.metadata());
    assertEquals(0, c.tensors().get("loss").rank());
    assertEquals(0.25, c.tensors().get("loss").get(0));
    // Data order in the file: F64 tensors first, then by name.
    assertEquals(List.of("empty", "loss", "precise", "dense1.bias", "dense1.weight"),
        List.copyOf(c.tensors().keySet()));
    try (InputStream in = Files.newInputStream(p)) {
      assertEquals(m.get("dense1.weight"), Safetensors.read(in, "asset").get("dense1.weight"));
    }
  }

  @Test
  void readsHeadersFromOtherWritersInAnyKeyOrderWithWhitespace() throws IOException {
    String header = "{ \"b\" : {\"data_offsets\": [8, 16], \"shape\": [2], \"dtype\": \"F32\"},\n"
        + "  \"a\": {\"shape\": [1], \"dtype\": \"F64\", \"data_offsets\": [0, 8]},"
        + " \"__metadata__\": {\"format\": \"pt\", \"note\": \"caf\\u00e9 \\\"q\\\"\"} }";
    Safetensors.Contents c = Safetensors.decode(
        file(header, concat(f64(-2.5), f32(3, 4))), "x.safetensors", false);
    assertArrayEquals(new float[] {3, 4}, c.tensors().get("b").toFloatArray());
    assertEquals(-2.5, c.tensors().get("a").get(0));
    assertEquals("café \"q\"", c.metadata().get("note"));
  }

  @Test
  void f32ValuesAreRoundedOnConstructionSoFloatRoundTripsAreExact() throws IOException {
    Tensor t = Tensor.ofDoubles(new int[] {1}, new double[] {0.1});
    Tensor f = new Tensor(Dtype.F32, new int[] {1}, new double[] {0.1});
    assertEquals((double) 0.1f, f.get(0));
    assertEquals(0.1, t.get(0));
    Map<String, Tensor> back = Safetensors.decode(
        Safetensors.encode(Map.of("f", f), Map.of()), "m", false).tensors();
    assertEquals(f, back.get("f"));
  }

  @Test
  void nonFiniteValuesAreRejectedUnlessAllowed() throws SafetensorsException {
    byte[] bytes = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}",
        f32(1, 2, 3, Float.NaN));
    SafetensorsException e = assertThrows(SafetensorsException.class,
        () -> Safetensors.decode(bytes, "w.safetensors", false));
    assertEquals("w.safetensors: tensor 'w' has value NaN at index [1, 1]", e.getMessage());
    assertTrue(Double.isNaN(Safetensors.decode(bytes, "w", true).tensors().get("w").get(3)));

    byte[] inf = file("{\"loss\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}",
        f64(Double.NEGATIVE_INFINITY));
    e = assertThrows(SafetensorsException.class, () -> Safetensors.decode(inf, "g", false));
    assertEquals("g: tensor 'loss' has value -Infinity at index []", e.getMessage());
  }

  static Stream<Arguments> malformed() {
    String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    byte[] data = f32(1, 2);
    byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 62)
        .putLong(0).array();
    byte[] negative = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8)
        .putLong(0).array();
    byte[] tooLong = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100)
        .put("{}      ".getBytes(StandardCharsets.US_ASCII)).array();
    byte[] okFile = file(ok, data);
    byte[] invalidUtf8 = file("{\"?\":1}", new byte[0]);
    invalidUtf8[10] = (byte) 0xff;
    return Stream.of(
        Arguments.of("empty file", new byte[0], "file is too short for safetensors (0 bytes"),
        Arguments.of("truncated length", new byte[] {8, 0, 0}, "file is too short"),
        Arguments.of("huge header length 2^62", huge,
            "header length 4611686018427387904 exceeds the limit of 100000000 bytes"),
        Arguments.of("header length past 2^63", negative,
            "header length 18446744073709551608 exceeds the limit"),
        Arguments.of("header length larger than file", tooLong,
            "header length 100 is larger than the rest of the file (8 bytes)"),
        Arguments.of("truncated data", Arrays.copyOf(okFile, okFile.length - 3),
            "tensor 'w' has data_offsets [0, 8] beyond the end of the data (5 bytes)"),
        Arguments.of("truncated header", Arrays.copyOf(okFile, 8 + ok.length() - 5),
            "header length " + ok.length() + " is larger than the rest of the file"),
        Arguments.of("invalid json", file("{\"w\":{\"dtype\":\"F32\",}}", new byte[0]),
            "header is not valid JSON: expected a string key but found '}' at character 20"),
        Arguments.of("unterminated json", file("{\"w\":", new byte[0]),
            "header is not valid JSON: unexpected end of text"),
        Arguments.of("trailing garbage", file("{} x", new byte[0]),
            "header is not valid JSON: unexpected 'x' after the value"),
        Arguments.of("not an object", file("[1,2]   ", new byte[0]), "header is not a JSON object"),
        Arguments.of("invalid utf-8", invalidUtf8, "header is not valid UTF-8"),
        Arguments.of("duplicate key", file(
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data),
            "header is not valid JSON: duplicate key \"w\""),
        Arguments.of("deep nesting", file("[".repeat(100) + "]".repeat(100), new byte[0]),
            "nesting deeper than 64 levels"),
        Arguments.of("wrong dtype F16", file(ok.replace("F32", "F16"), data),
            "tensor 'w' has dtype 'F16'; netc reads only F32 and F64"),
        Arguments.of("wrong dtype I64", file(ok.replace("F32", "I64"), data),
            "tensor 'w' has dtype 'I64'; netc reads only F32 and F64"),
        Arguments.of("unknown dtype", file(ok.replace("F32", "F17"), data),
            "tensor 'w' has unknown dtype 'F17'"),
        Arguments.of("wrong shape for the bytes", file(ok.replace("[2]", "[3]"), data),
            "tensor 'w' of shape [3] needs 12 bytes of F32 but data_offsets [0, 8] hold 8"),
        Arguments.of("negative dimension", file(ok.replace("[2]", "[-2]"), data),
            "tensor 'w' has shape [-2] with a dimension that is not a non-negative integer"),
        Arguments.of("fractional dimension", file(ok.replace("[2]", "[2.0]"), data),
            "with a dimension that is not a non-negative integer"),
        Arguments.of("too many elements", file(ok.replace("[2]", "[2147483647,2147483647,0]"),
            data), "tensor 'w' has shape [2147483647, 2147483647, 0] with too many elements"),
        Arguments.of("dimension beyond long", file(ok.replace("[2]", "[99999999999999999999]"),
            data), "integer 99999999999999999999 is too large"),
        Arguments.of("negative offset", file(ok.replace("[0,8]", "[-4,4]"), data),
            "tensor 'w' has data_offsets [-4, 4]; expected two non-negative integers"),
        Arguments.of("one offset", file(ok.replace("[0,8]", "[8]"), data),
            "expected two non-negative integers [begin, end]"),
        Arguments.of("end before begin", file(ok.replace("[0,8]", "[8,0]"), data),
            "tensor 'w' has data_offsets [8, 0] that end before they begin"),
        Arguments.of("offsets out of range", file(ok.replace("[0,8]", "[0,4000]"), data),
            "tensor 'w' has data_offsets [0, 4000] beyond the end of the data (8 bytes)"),
        Arguments.of("overlapping", file(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data),
            "tensors 'a' and 'b' overlap (data_offsets [0, 8] and [4, 8])"),
        Arguments.of("gap", file(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data),
            "bytes 0 to 4 of the data belong to no tensor (before tensor 'a')"),
        Arguments.of("trailing data", file(ok, concat(data, f32(3))),
            "the data has 4 bytes after the last tensor"),
        Arguments.of("unknown field", file(ok.replace("\"dtype\"", "\"x\":1,\"dtype\""), data),
            "tensor 'w' has unknown field 'x'"),
        Arguments.of("missing field", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", data),
            "tensor 'w' has no 'data_offsets'"),
        Arguments.of("tensor not an object", file("{\"w\":3}", data),
            "tensor 'w' must be an object with dtype, shape and data_offsets"),
        Arguments.of("metadata not strings", file("{\"__metadata__\":{\"a\":1}}", new byte[0]),
            "'__metadata__' value of 'a' is not a string"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedFilesGiveOneClearMessage(String what, byte[] bytes, String expected)
      throws IOException {
    SafetensorsException e = assertThrows(SafetensorsException.class,
        () -> Safetensors.decode(bytes, "bad.safetensors", false));
    assertEquals("bad.safetensors", e.source());
    assertTrue(e.getMessage().startsWith("bad.safetensors: "), e.getMessage());
    assertTrue(e.detail().contains(expected), () -> "got: " + e.getMessage());
    // The same bytes through a file and a stream give the same message.
    Path p = dir.resolve("bad.safetensors");
    Files.write(p, bytes);
    SafetensorsException fromFile =
        assertThrows(SafetensorsException.class, () -> Safetensors.read(p));
    assertEquals(e.detail(), fromFile.detail());
    SafetensorsException fromStream = assertThrows(SafetensorsException.class,
        () -> Safetensors.read(new ByteArrayInputStream(bytes), "bad.safetensors"));
    assertEquals(e.getMessage(), fromStream.getMessage());
  }

  @Test
  void aHugeHeaderLengthOnAnEndlessStreamFailsWithoutReadingIt() {
    byte[] head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40)
        .array();
    InputStream endless = new SequenceInputStream(new ByteArrayInputStream(head),
        new InputStream() {
          @Override
          public int read() {
            throw new AssertionError("read past the header length");
          }
        });
    SafetensorsException e = assertThrows(SafetensorsException.class,
        () -> Safetensors.read(endless, "s"));
    assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
  }

  @Test
  void aFailedWriteLeavesThePreviousFileIntact() throws IOException {
    Path p = dir.resolve("keep.safetensors");
    Safetensors.write(p, sample());
    byte[] before = Files.readAllBytes(p);
    assertThrows(IllegalArgumentException.class, () -> Safetensors.write(p,
        Map.of("__metadata__", Tensor.scalar(Dtype.F32, 1))));
    IOException boom = assertThrows(IOException.class, () -> AtomicFile.write(p, out -> {
      out.write(new byte[100_000]);
      throw new IOException("disk full");
    }));
    assertEquals("disk full", boom.getMessage());
    assertArrayEquals(before, Files.readAllBytes(p));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(p), files.toList(), "no temporary file is left behind");
    }
    assertThrows(IOException.class,
        () -> Safetensors.write(dir.resolve("no/such/dir/w.safetensors"), sample()));
    assertFalse(Files.exists(dir.resolve("no")));
  }
}
