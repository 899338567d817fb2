package dev.netc.runtime.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads and writes safetensors files (the format of PyTorch's {@code safetensors.torch.save_file}
 * and {@code load_file}): an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Only F32 and F64 tensors
 * are supported. Files are written byte-for-byte as the reference (Rust) implementation writes
 * them, and read with its validation rules plus a check for NaN and infinite values.
 */
public final class Safetensors {

  /** Largest accepted header, the same limit as the reference implementation (100 MB). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  /** Everything in a file: tensors in data order, and the optional {@code __metadata__} strings. */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    /** Copies both maps, keeping their order, into unmodifiable maps. */
    public Contents {
      tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  private Safetensors() {}

  /**
   * Reads all tensors of {@code file} into a new mutable map in data order; NaN or infinite
   * values are an error.
   */
  public static Map<String, Tensor> read(Path file) throws IOException {
    return new LinkedHashMap<>(readContents(file, false).tensors());
  }

  /** Reads {@code file}, optionally accepting NaN and infinite values. */
  public static Contents readContents(Path file, boolean allowNonFinite) throws IOException {
    String source = file.toString();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      return SafetensorsReader.read(source, new SafetensorsReader.Bytes() {
        @Override
        public long size() {
          return size;
        }

        @Override
        public byte[] read(long position, int length) throws IOException {
          ByteBuffer buf = ByteBuffer.allocate(length);
          while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
              throw new SafetensorsException(source, "file shrank while being read");
            }
          }
          return buf.array();
        }
      }, allowNonFinite);
    }
  }

  /**
   * Reads all tensors from a stream (e.g. an Android asset) named {@code source} in messages;
   * NaN or infinite values are an error. Does not close the stream.
   */
  public static Map<String, Tensor> read(InputStream in, String source) throws IOException {
    return new LinkedHashMap<>(readContents(in, source, false).tensors());
  }

  /** Reads a whole stream, optionally accepting NaN and infinite values. */
  public static Contents readContents(InputStream in, String source, boolean allowNonFinite)
      throws IOException {
    byte[] head = in.readNBytes(8);
    if (head.length == 8) {
      long n = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (n < 0 || n > MAX_HEADER_BYTES) {
        // Checked before reading the rest: the stream could be endless.
        return decode(head, source, allowNonFinite);
      }
    }
    // readAllBytes grows its buffer as data arrives, so memory is bounded by the real stream.
    byte[] rest = in.readAllBytes();
    byte[] all = Arrays.copyOf(head, head.length + rest.length);
    System.arraycopy(rest, 0, all, head.length, rest.length);
    return decode(all, source, allowNonFinite);
  }

  /** Parses a whole file held in memory. */
  public static Contents decode(byte[] file, String source, boolean allowNonFinite)
      throws SafetensorsException {
    try {
      return SafetensorsReader.read(source, new SafetensorsReader.Bytes() {
        @Override
        public long size() {
          return file.length;
        }

        @Override
        public byte[] read(long position, int length) {
          return Arrays.copyOfRange(file, (int) position, (int) position + length);
        }
      }, allowNonFinite);
    } catch (SafetensorsException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("in-memory read cannot fail", e);
    }
  }

  /** Atomically writes {@code tensors} to {@code file} without metadata, as PyTorch does. */
  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    write(file, tensors, Map.of());
  }

  /**
   * Atomically writes {@code tensors} and {@code metadata} (omitted when empty) to {@code file}:
   * on failure the previous file, if any, is left as it was.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    List<Map.Entry<String, Tensor>> order = order(tensors);
    byte[] header = header(order, metadata);
    AtomicFile.write(file, out -> writeTo(out, header, order));
  }

  /** Writes a whole file to {@code out} (not closed). */
  public static void write(
      OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    List<Map.Entry<String, Tensor>> order = order(tensors);
    writeTo(out, header(order, metadata), order);
  }

  /** The bytes of a whole file. */
  public static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      write(out, tensors, metadata);
    } catch (IOException e) {
      throw new IllegalStateException("in-memory write cannot fail", e);
    }
    return out.toByteArray();
  }

  /** The reference writer's order: larger dtypes first (F64 before F32), then by name. */
  private static List<Map.Entry<String, Tensor>> order(Map<String, Tensor> tensors) {
    List<Map.Entry<String, Tensor>> order = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "tensor name");
      Objects.requireNonNull(e.getValue(), "tensor " + name);
      if (name.equals("__metadata__")) {
        throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
      }
      order.add(Map.entry(name, e.getValue()));
    }
    order.sort((a, b) -> {
      int byType = b.getValue().dtype().compareTo(a.getValue().dtype());
      // Rust compares names as UTF-8 bytes, which differs from String.compareTo past U+FFFF.
      return byType != 0 ? byType : Arrays.compareUnsigned(utf8(a.getKey()), utf8(b.getKey()));
    });
    return order;
  }

  private static byte[] header(List<Map.Entry<String, Tensor>> order, Map<String, String> meta) {
    Map<String, Object> json = new LinkedHashMap<>();
    if (!meta.isEmpty()) {
      json.put("__metadata__", new TreeMap<String, Object>(meta));
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : order) {
      Tensor t = e.getValue();
      long end = offset + (long) t.size() * t.dtype().size();
      List<Object> shape = new ArrayList<>();
      for (int d : t.shape()) {
        shape.add((long) d);
      }
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("dtype", t.dtype().name());
      info.put("shape", shape);
      info.put("data_offsets", List.of(offset, end));
      json.put(e.getKey(), info);
      offset = end;
    }
    byte[] text = Json.write(json).getBytes(StandardCharsets.UTF_8);
    // Spaces pad the header to a multiple of 8 so that the data is aligned for every dtype.
    int padded = (text.length + 7) & ~7;
    byte[] header = Arrays.copyOf(text, padded);
    Arrays.fill(header, text.length, padded, (byte) ' ');
    return header;
  }

  private static void writeTo(
      OutputStream out, byte[] header, List<Map.Entry<String, Tensor>> order) throws IOException {
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    out.write(len.putLong(header.length).array());
    out.write(header);
    ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (Map.Entry<String, Tensor> e : order) {
      Tensor t = e.getValue();
      boolean f32 = t.dtype() == Dtype.F32;
      for (int i = 0; i < t.size(); i++) {
        if (chunk.remaining() < 8) {
          out.write(chunk.array(), 0, chunk.position());
          chunk.clear();
        }
        if (f32) {
          chunk.putFloat((float) t.get(i));
        } else {
          chunk.putDouble(t.get(i));
        }
      }
    }
    out.write(chunk.array(), 0, chunk.position());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
