package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

  @TempDir Path dir;

  /** An unsigned-byte IDX file with the given dimensions and data. */
  static byte[] idx(int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    b.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    return b.put(data).array();
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private final byte[] images = idx(new int[] {3, 2, 2},
      new byte[] {0, (byte) 255, (byte) 128, 51, 1, 2, 3, 4, 10, 20, 30, (byte) 200});
  private final byte[] labels = idx(new int[] {3}, new byte[] {7, 0, 9});

  @Test
  void readsPlainAndGzippedFilesAlike() throws IOException {
    Path xi = write("x-idx3-ubyte", images);
    Path yi = write("y-idx1-ubyte.gz", gzip(labels));
    Dataset d = Idx.read(xi, yi, 10, Dataset.Type.FLOAT);
    assertEquals(3, d.count());
    assertEquals(4, d.inputSize());
    assertEquals(10, d.classCount());
    assertArrayEquals(new float[] {0, 1, 128 / 255f, 0.2f}, Arrays.copyOf(d.floatInputs(), 4));
    assertArrayEquals(new float[] {7, 0, 9}, d.floatTargets());

    // The file name does not matter: gzip is recognized by its magic bytes.
    Path gzNoSuffix = write("x-plain-name", gzip(images));
    Dataset g = Idx.read(gzNoSuffix, write("y", labels), 10, Dataset.Type.DOUBLE);
    assertEquals(200 / 255.0, g.doubleInputs()[11]);
    assertArrayEquals(d.as(Dataset.Type.DOUBLE).doubleTargets(), g.doubleTargets());
    assertTrue(Idx.looksLikeIdx(xi));
    assertTrue(Idx.looksLikeIdx(gzNoSuffix));
    assertFalse(Idx.looksLikeIdx(write("d.csv", "1,2,3\n".getBytes())));
  }

  private String error(byte[] imageBytes, byte[] labelBytes) throws IOException {
    Path xi = write("images", imageBytes);
    Path yi = write("labels", labelBytes);
    DatasetException e = assertThrows(DatasetException.class,
        () -> Idx.read(xi, yi, 10, Dataset.Type.FLOAT));
    return e.getMessage().replace(dir.toString() + "/", "");
  }

  @Test
  void malformedFilesGiveClearMessages() throws IOException {
    byte[] csv = "1,2,3\n4,5,6\n".getBytes();
    assertEquals("images: has magic number 0x312C322C; not an IDX file (expected 0x0000080N)",
        error(csv, labels));
    byte[] floats = images.clone();
    floats[2] = 0x0D;
    assertEquals("images: has IDX data type 0x0D (float); netc reads only unsigned bytes (0x08)",
        error(floats, labels));
    assertEquals("images: is truncated (2 bytes; an IDX file starts with a 4-byte magic number)",
        error(new byte[] {0, 0}, labels));
    assertEquals("images: is truncated in its header (3 dimensions declared)",
        error(Arrays.copyOf(images, 10), labels));
    assertEquals("images: is truncated: sizes 3x2x2 need 12 data bytes but only 11 are present",
        error(Arrays.copyOf(images, images.length - 1), labels));
    byte[] gz = gzip(images);
    assertEquals("images: is truncated: sizes 3x2x2 need 12 data bytes but only 11 are present",
        error(gzip(Arrays.copyOf(images, images.length - 1)), labels));
    assertEquals("images: is truncated (the gzip stream ends early)",
        error(Arrays.copyOf(gz, gz.length - 12), labels));
    byte[] corrupt = gz.clone();
    corrupt[2] = 7; // compression method: only 8 (deflate) exists
    assertTrue(error(corrupt, labels).startsWith("images: is not a valid gzip file ("));
    assertEquals("images: has extra bytes after the 12 data bytes that sizes 3x2x2 declare",
        error(Arrays.copyOf(images, images.length + 1), labels));
    assertEquals("labels: has 2 labels but images has 3 images",
        error(images, idx(new int[] {2}, new byte[] {1, 2})));
    assertEquals("labels: has 2 dimensions; a label file has exactly 1",
        error(images, idx(new int[] {3, 1}, new byte[] {1, 2, 3})));
    assertEquals("images: has 1 dimension; an image file needs at least 2 (count and pixels)",
        error(labels, labels));
    assertEquals("labels: label 12 of example 1 is out of range 0 to 9",
        error(images, idx(new int[] {3}, new byte[] {1, 12, 3})));
  }

  /** A stream that hands out at most {@code piece} bytes per read, like a socket or inflater. */
  private static java.io.InputStream trickling(byte[] bytes, int piece) {
    return new java.io.ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, piece));
      }
    };
  }

  @Test
  void dataIsReadWholeThroughAGrowingArrayAndStopsAtTheStreamsEnd() throws IOException {
    byte[] bytes = new byte[1000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31);
    }
    // The array starts at 16 bytes and doubles, the stream gives 7 bytes a read.
    assertArrayEquals(bytes, Idx.readData(trickling(bytes, 7), 1000, 16));
    assertArrayEquals(Arrays.copyOf(bytes, 600), Idx.readData(trickling(bytes, 7), 600, 16));
    // A header that promises more than the stream holds: what there is, no more.
    assertArrayEquals(bytes, Idx.readData(trickling(bytes, 7), 1_000_000, 16));
    assertArrayEquals(new byte[0], Idx.readData(trickling(new byte[0], 7), 1000, 16));
  }

  @Test
  void hostileSizesAreRejectedBeforeAnyAllocation() throws IOException {
    byte[] huge = idx(new int[] {0x7fffffff, 28, 28}, new byte[16]);
    assertEquals("images: declares sizes 2147483647x28x28 that are too large to load "
        + "(more than 2^31 values)", error(huge, labels));
    byte[] overflow = idx(new int[] {0, -1, -1}, new byte[0]);
    assertEquals("images: declares sizes 0x4294967295x4294967295 that are too large to load "
        + "(more than 2^31 values)", error(overflow, labels));
    // Fits in an int but not in memory: the message gives the estimate instead of an OOM.
    long max = Runtime.getRuntime().maxMemory();
    assumeTrue(max < (2000L << 20) * 5);
    byte[] big = idx(new int[] {2000, 1024, 1000}, new byte[16]);
    String message = error(big, labels);
    assertTrue(message.startsWith("images: sizes 2000x1024x1000 need about 9765 MiB but the JVM "
        + "may use only"), message);
    assertTrue(message.endsWith("MiB (raise -Xmx)"), message);
  }

  @Test
  void readsTheRealFashionMnistWhenInstalled() throws IOException {
    Path root = Path.of("/usr/share/datasets/fashion-mnist");
    assumeTrue(Files.isDirectory(root), "apt-get install dataset-fashion-mnist");
    Dataset train = Idx.read(root.resolve("train-images-idx3-ubyte.gz"),
        root.resolve("train-labels-idx1-ubyte.gz"), 10, Dataset.Type.FLOAT);
    Dataset test = Idx.read(root.resolve("t10k-images-idx3-ubyte.gz"),
        root.resolve("t10k-labels-idx1-ubyte.gz"), 10, Dataset.Type.FLOAT);
    assertEquals(60000, train.count());
    assertEquals(10000, test.count());
    assertEquals(784, train.inputSize());
    assertEquals(784, test.inputSize());
    int[] perClass = new int[10];
    for (int i = 0; i < train.count(); i++) {
      perClass[train.label(i)]++;
    }
    // Fashion-MNIST is balanced: 6000 training images of each of the 10 classes.
    int[] expected = new int[10];
    Arrays.fill(expected, 6000);
    assertArrayEquals(expected, perClass);
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : test.floatInputs()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertEquals(0f, min);
    assertEquals(1f, max);
  }
}
