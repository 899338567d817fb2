package dev.netc.runtime.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Parses and validates a safetensors file read through a {@link Bytes} source. Every size is
 * checked against the real size of the source before anything is allocated, so a hostile header
 * costs at most as much memory as the file itself.
 */
final class SafetensorsReader {

  /** Random access to the file's bytes. */
  interface Bytes {
    /** Total size in bytes. */
    long size();

    /** Reads exactly {@code length} bytes starting at {@code position}. */
    byte[] read(long position, int length) throws IOException;
  }

  /** One header entry; offsets are relative to the data section. */
  private record Entry(String name, Dtype dtype, int[] shape, long begin, long end) {}

  /** Dtypes that safetensors defines but netc does not load: named so the message can say so. */
  private static final Set<String> KNOWN_DTYPES = Set.of(
      "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16", "BF16", "I32",
      "U32", "I64", "U64", "F4", "F6_E2M3", "F6_E3M2", "C64");

  private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");

  private final String source;
  private final Bytes bytes;

  private SafetensorsReader(String source, Bytes bytes) {
    this.source = source;
    this.bytes = bytes;
  }

  static Safetensors.Contents read(String source, Bytes bytes, boolean allowNonFinite)
      throws IOException {
    return new SafetensorsReader(source, bytes).read(allowNonFinite);
  }

  private Safetensors.Contents read(boolean allowNonFinite) throws IOException {
    long size = bytes.size();
    if (size < 8) {
      throw fail("file is too short for safetensors (" + size + " bytes; the header length "
          + "alone takes 8)");
    }
    long n = ByteBuffer.wrap(bytes.read(0, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 0 || n > Safetensors.MAX_HEADER_BYTES) {
      throw fail("header length " + Long.toUnsignedString(n) + " exceeds the limit of "
          + Safetensors.MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
    }
    if (n > size - 8) {
      throw fail("header length " + n + " is larger than the rest of the file (" + (size - 8)
          + " bytes); the file is truncated or not safetensors");
    }
    Object json = parseHeader(bytes.read(8, (int) n));
    if (!(json instanceof Map<?, ?> header)) {
      throw fail("header is not a JSON object");
    }
    long dataSize = size - 8 - n;
    Map<String, String> metadata = new TreeMap<>();
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<?, ?> e : header.entrySet()) {
      String name = (String) e.getKey();
      if (name.equals("__metadata__")) {
        metadata = metadata(e.getValue());
      } else {
        entries.add(entry(name, e.getValue(), dataSize));
      }
    }
    checkLayout(entries, dataSize);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    long dataStart = 8 + n;
    for (Entry entry : entries) {
      tensors.put(entry.name, tensor(entry, dataStart, allowNonFinite));
    }
    return new Safetensors.Contents(tensors, metadata);
  }

  private Object parseHeader(byte[] raw) throws SafetensorsException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw fail("header is not valid UTF-8");
    }
    try {
      return Json.parse(text);
    } catch (Json.JsonException e) {
      throw fail("header is not valid JSON: " + e.getMessage());
    }
  }

  private Map<String, String> metadata(Object value) throws SafetensorsException {
    if (!(value instanceof Map<?, ?> map)) {
      throw fail("'__metadata__' must be an object of strings");
    }
    Map<String, String> result = new TreeMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getValue() instanceof String s)) {
        throw fail("'__metadata__' value of '" + e.getKey() + "' is not a string");
      }
      result.put((String) e.getKey(), s);
    }
    return result;
  }

  private Entry entry(String name, Object value, long dataSize) throws SafetensorsException {
    if (!(value instanceof Map<?, ?> map)) {
      throw fail("tensor '" + name + "' must be an object with dtype, shape and data_offsets");
    }
    for (Object key : map.keySet()) {
      if (!ENTRY_KEYS.contains(key)) {
        throw fail("tensor '" + name + "' has unknown field '" + key + "'");
      }
    }
    for (String key : ENTRY_KEYS) {
      if (!map.containsKey(key)) {
        throw fail("tensor '" + name + "' has no '" + key + "'");
      }
    }
    Dtype dtype = dtype(name, map.get("dtype"));
    int[] shape = shape(name, map.get("shape"));
    long[] offsets = offsets(name, map.get("data_offsets"));
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin) {
      throw fail("tensor '" + name + "' has data_offsets [" + begin + ", " + end
          + "] that end before they begin");
    }
    if (end > dataSize) {
      throw fail("tensor '" + name + "' has data_offsets [" + begin + ", " + end
          + "] beyond the end of the data (" + dataSize + " bytes); the file is truncated?");
    }
    if (end - begin > Integer.MAX_VALUE - 8) {
      throw fail("tensor '" + name + "' takes " + (end - begin)
          + " bytes; netc cannot load a tensor larger than 2 GiB");
    }
    long count = Tensor.elementCount(shape);
    if (end - begin != count * dtype.size()) {
      throw fail("tensor '" + name + "' of shape " + Arrays.toString(shape) + " needs "
          + count * dtype.size() + " bytes of " + dtype + " but data_offsets [" + begin + ", "
          + end + "] hold " + (end - begin));
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  private Dtype dtype(String name, Object value) throws SafetensorsException {
    if (!(value instanceof String s)) {
      throw fail("tensor '" + name + "' has a dtype that is not a string");
    }
    if (s.equals("F32")) {
      return Dtype.F32;
    }
    if (s.equals("F64")) {
      return Dtype.F64;
    }
    if (KNOWN_DTYPES.contains(s)) {
      throw fail("tensor '" + name + "' has dtype '" + s + "'; netc reads only F32 and F64 "
          + "(convert it in PyTorch with .float())");
    }
    throw fail("tensor '" + name + "' has unknown dtype '" + s + "'");
  }

  private int[] shape(String name, Object value) throws SafetensorsException {
    if (!(value instanceof List<?> list)) {
      throw fail("tensor '" + name + "' has a shape that is not a list");
    }
    int[] shape = new int[list.size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      if (!(list.get(i) instanceof Long d) || d < 0) {
        throw fail("tensor '" + name + "' has shape " + list
            + " with a dimension that is not a non-negative integer");
      }
      if (d > Integer.MAX_VALUE - 8) {
        throw fail("tensor '" + name + "' has shape " + list + " with too many elements");
      }
      shape[i] = (int) (long) d;
    }
    for (int d : shape) {
      // A product past the limit is rejected even if a later dimension is 0: no real file has it.
      count *= d;
      if (count > Integer.MAX_VALUE - 8) {
        throw fail("tensor '" + name + "' has shape " + list + " with too many elements");
      }
    }
    return shape;
  }

  private long[] offsets(String name, Object value) throws SafetensorsException {
    if (!(value instanceof List<?> list)
        || list.size() != 2
        || !(list.get(0) instanceof Long begin)
        || !(list.get(1) instanceof Long end)
        || begin < 0
        || end < 0) {
      throw fail("tensor '" + name + "' has data_offsets " + value
          + "; expected two non-negative integers [begin, end]");
    }
    return new long[] {begin, end};
  }

  /** The tensors must tile the data section exactly, as safetensors' own reader demands. */
  private void checkLayout(List<Entry> entries, long dataSize) throws SafetensorsException {
    entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long expected = 0;
    Entry previous = null;
    for (Entry e : entries) {
      if (e.begin < expected) {
        throw fail("tensors '" + previous.name + "' and '" + e.name + "' overlap (data_offsets ["
            + previous.begin + ", " + previous.end + "] and [" + e.begin + ", " + e.end + "])");
      }
      if (e.begin > expected) {
        throw fail("bytes " + expected + " to " + e.begin + " of the data belong to no tensor "
            + "(before tensor '" + e.name + "')");
      }
      expected = e.end;
      previous = e;
    }
    if (expected != dataSize) {
      throw fail("the data has " + (dataSize - expected) + " bytes after the last tensor");
    }
  }

  private Tensor tensor(Entry e, long dataStart, boolean allowNonFinite) throws IOException {
    int count = (int) ((e.end - e.begin) / e.dtype.size());
    ByteBuffer buf = ByteBuffer.wrap(bytes.read(dataStart + e.begin, (int) (e.end - e.begin)))
        .order(ByteOrder.LITTLE_ENDIAN);
    double[] data = new double[count];
    for (int i = 0; i < count; i++) {
      double v = e.dtype == Dtype.F32 ? buf.getFloat() : buf.getDouble();
      if (!allowNonFinite && !Double.isFinite(v)) {
        throw fail("tensor '" + e.name + "' has value " + v + " at index "
            + Arrays.toString(unravel(i, e.shape)));
      }
      data[i] = v;
    }
    return new Tensor(e.dtype, e.shape, data);
  }

  /** The multi-dimensional index of flat row-major index {@code i}, for messages. */
  static int[] unravel(int i, int[] shape) {
    int[] index = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      index[d] = i % shape[d];
      i /= shape[d];
    }
    return index;
  }

  private SafetensorsException fail(String detail) {
    return new SafetensorsException(source, detail);
  }
}
