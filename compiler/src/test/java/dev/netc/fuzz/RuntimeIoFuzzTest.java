package dev.netc.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.netc.Frontend;
import dev.netc.interp.Interpreter;
import dev.netc.ir.Network;
import dev.netc.runtime.io.Csv;
import dev.netc.runtime.io.CsvLayout;
import dev.netc.runtime.io.Dataset;
import dev.netc.runtime.io.DatasetException;
import dev.netc.runtime.io.Idx;
import dev.netc.runtime.io.Safetensors;
import dev.netc.runtime.io.SafetensorsException;
import dev.netc.runtime.io.Weights;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * The runtime's readers on arbitrary bytes: each either returns a consistent value or throws its
 * own checked exception with a message naming the source; never another exception, never an
 * OutOfMemoryError (run the fuzzer with a small heap, as {@code compiler/fuzz.sh} does), and a
 * failed weights load leaves the network's parameters as they were.
 */
class RuntimeIoFuzzTest {
  private static final Network NET = Frontend.compile("w.net",
      "network W { input 3 dense 2 tanh as h dense 1 sigmoid as o loss binary_cross_entropy }")
      .networks().get(0);

  /** Safetensors decoding; a file that decodes re-encodes to a file that decodes the same. */
  @FuzzTest
  void safetensors(byte[] data) throws IOException {
    Safetensors.Contents c;
    try {
      c = Safetensors.decode(data, "fuzz.safetensors", true);
    } catch (SafetensorsException e) {
      expectSource(e, "fuzz.safetensors");
      return;
    }
    byte[] again = Safetensors.encode(c.tensors(), c.metadata());
    Safetensors.Contents back = Safetensors.decode(again, "again", true);
    if (!back.tensors().equals(c.tensors()) || !back.metadata().equals(c.metadata())) {
      throw new AssertionError("re-encoded file decodes differently");
    }
    // The stream reader must agree with the in-memory decoder.
    Safetensors.readContents(new ByteArrayInputStream(data), "stream", true);
  }

  /** Loading weights into a live network: all parameters or none. */
  @FuzzTest
  void weights(byte[] data) throws IOException {
    Interpreter net = new Interpreter(NET);
    double[] before = new double[net.parameterCount()];
    net.getParameters(before);
    try {
      Weights.load(new ByteArrayInputStream(data), "fuzz.safetensors", net);
    } catch (SafetensorsException e) {
      expectSource(e, "fuzz.safetensors");
      double[] after = new double[net.parameterCount()];
      net.getParameters(after);
      if (!Arrays.equals(before, after)) {
        throw new AssertionError("a failed load changed the parameters");
      }
    }
  }

  /** CSV data in any layout, read as UTF-8 with errors reported (as from a file). */
  @FuzzTest
  void csv(FuzzedDataProvider data) throws IOException {
    int inputs = data.consumeInt(1, 4);
    boolean classes = data.consumeBoolean();
    CsvLayout layout = classes
        ? CsvLayout.classes(inputs, data.consumeInt(1, 10))
        : CsvLayout.values(inputs, data.consumeInt(0, 3));
    layout = layout.withHeader(data.consumeBoolean());
    Dataset.Type type = data.consumeBoolean() ? Dataset.Type.FLOAT : Dataset.Type.DOUBLE;
    byte[] text = data.consumeRemainingAsBytes();
    Reader in = new InputStreamReader(new ByteArrayInputStream(text),
        StandardCharsets.UTF_8.newDecoder());
    Dataset d;
    try {
      d = Csv.read(in, "fuzz.csv", layout, type);
    } catch (DatasetException e) {
      expectSource(e, "fuzz.csv");
      return;
    }
    if (d.inputSize() != inputs || d.targetWidth() != layout.targetWidth()) {
      throw new AssertionError("layout not kept: " + d);
    }
    for (int i = 0; i < d.count() && classes; i++) {
      if (d.label(i) < 0 || d.label(i) >= layout.classCount()) {
        throw new AssertionError("label out of range: " + d.label(i));
      }
    }
  }

  /** IDX image and label files, plain or gzipped. */
  @FuzzTest
  void idx(FuzzedDataProvider data) throws IOException {
    int classes = data.consumeInt(1, 256);
    Dataset.Type type = data.consumeBoolean() ? Dataset.Type.FLOAT : Dataset.Type.DOUBLE;
    byte[] images = data.consumeBoolean() ? idxFile(data, 3) : data.consumeBytes(
        data.consumeInt(0, 4096));
    byte[] labels = data.consumeBoolean() ? idxFile(data, 1) : data.consumeRemainingAsBytes();
    Dataset d;
    try {
      d = Idx.read(new ByteArrayInputStream(images), "images.idx", new ByteArrayInputStream(labels),
          "labels.idx", classes, type);
    } catch (DatasetException e) {
      if (!e.getMessage().startsWith("images.idx") && !e.getMessage().startsWith("labels.idx")) {
        throw new AssertionError("message names no file: " + e.getMessage());
      }
      return;
    }
    for (int i = 0; i < d.count(); i++) {
      if (d.label(i) < 0 || d.label(i) >= classes) {
        throw new AssertionError("label out of range: " + d.label(i));
      }
    }
  }

  /**
   * A mostly well-formed IDX file (so that fuzzing gets past the magic number): fuzzer-chosen
   * type byte, dimensions and data, sometimes gzipped, sometimes with its data cut short.
   */
  private static byte[] idxFile(FuzzedDataProvider data, int usualDims) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    int dims = data.consumeBoolean() ? usualDims : data.consumeInt(0, 4);
    raw.write(new byte[] {0, 0, data.consumeBoolean() ? 8 : data.consumeByte(), (byte) dims});
    long size = 1;
    for (int i = 0; i < dims; i++) {
      int d = data.consumeBoolean() ? data.consumeInt(0, 6) : data.consumeInt();
      raw.write(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
      size *= Math.max(0, Math.min(d, 64));
    }
    long length = Math.max(0, Math.min(size + data.consumeInt(-2, 2), 4096));
    raw.write(data.consumeBytes((int) length));
    if (!data.consumeBoolean()) {
      return raw.toByteArray();
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(raw.toByteArray());
    }
    byte[] zipped = gz.toByteArray();
    return data.consumeBoolean() ? zipped : Arrays.copyOf(zipped, data.consumeInt(0,
        zipped.length));
  }

  private static void expectSource(IOException e, String source) {
    if (e.getMessage() == null || !e.getMessage().startsWith(source)) {
      throw new AssertionError("message does not name " + source + ": " + e.getMessage());
    }
  }
}
