package dev.netc.runtime.io;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed (detected by
 * the gzip magic bytes, not the file name). Only unsigned-byte data is supported: image pixels
 * are scaled to [0, 1] (b / 255, kept as bytes until used: {@link Dataset#ofUnitBytes}), labels
 * become class indices.
 */
public final class Idx {

  /** One IDX array: its dimensions and its raw unsigned bytes. */
  private record Array(int[] dims, byte[] data) {}

  private Idx() {}

  /**
   * Reads an image file (N × d1 × … dimensions, each image flattened to one row) and a label file
   * (N) into a dataset whose targets are class indices in [0, classCount).
   */
  public static Dataset read(Path images, Path labels, int classCount, Dataset.Type type)
      throws IOException {
    checkClassCount(classCount);
    return readFiles(images, labels, type).dataset(classCount, type);
  }

  /** Stream version of {@link #read(Path, Path, int, Dataset.Type)}; streams are not closed. */
  public static Dataset read(InputStream images, String imagesSource, InputStream labels,
      String labelsSource, int classCount, Dataset.Type type) throws IOException {
    checkClassCount(classCount);
    return readFiles(images, imagesSource, labels, labelsSource, type).dataset(classCount, type);
  }

  /**
   * Reads an image file and its label file without knowing the network they are for, checked
   * against each other; {@link ImageFiles#dataset} then checks the labels against the class
   * count. The CLI starts this before it has parsed the network: inflating Fashion-MNIST's
   * training images is most of its loading time.
   */
  public static ImageFiles readFiles(Path images, Path labels) throws IOException {
    // The memory check before reading assumes float, the smaller element type; dataset() checks
    // again for the type it is given.
    return readFiles(images, labels, Dataset.Type.FLOAT);
  }

  /** Stream version of {@link #readFiles(Path, Path)}; streams are not closed. */
  public static ImageFiles readFiles(InputStream images, String imagesSource, InputStream labels,
      String labelsSource) throws IOException {
    return readFiles(images, imagesSource, labels, labelsSource, Dataset.Type.FLOAT);
  }

  /** The two files, refused before reading if they cannot fit memory as {@code type} values. */
  private static ImageFiles readFiles(Path images, Path labels, Dataset.Type type)
      throws IOException {
    try (InputStream xi = Files.newInputStream(images);
        InputStream li = Files.newInputStream(labels)) {
      return readFiles(xi, images.toString(), li, labels.toString(), type);
    }
  }

  private static ImageFiles readFiles(InputStream images, String imagesSource,
      InputStream labels, String labelsSource, Dataset.Type type) throws IOException {
    Array x = array(images, imagesSource, type);
    if (x.dims.length < 2) {
      throw new DatasetException(imagesSource, "has " + x.dims.length
          + " dimension; an image file needs at least 2 (count and pixels)");
    }
    Array y = array(labels, labelsSource, type);
    if (y.dims.length != 1) {
      throw new DatasetException(labelsSource, "has " + y.dims.length
          + " dimensions; a label file has exactly 1");
    }
    if (x.dims[0] != y.dims[0]) {
      throw new DatasetException(labelsSource, "has " + y.dims[0] + " labels but "
          + imagesSource + " has " + x.dims[0] + " images");
    }
    if (product(x.dims, 1) == 0) {
      throw new DatasetException(imagesSource, "has images of size 0");
    }
    return new ImageFiles(x, imagesSource, y, labelsSource);
  }

  /** An image file and its label file read by {@link #readFiles}: as many labels as images. */
  public static final class ImageFiles {
    private final Array images;
    private final String imagesSource;
    private final Array labels;
    private final String labelsSource;

    private ImageFiles(Array images, String imagesSource, Array labels, String labelsSource) {
      this.images = images;
      this.imagesSource = imagesSource;
      this.labels = labels;
      this.labelsSource = labelsSource;
    }

    /** The examples, with labels checked to lie in [0, classCount). */
    public Dataset dataset(int classCount, Dataset.Type type) throws DatasetException {
      checkClassCount(classCount);
      int count = images.dims[0];
      int inputSize = product(images.dims, 1);
      checkMemory(imagesSource, (long) count * inputSize * bytesPerValue(type),
          Arrays.stream(images.dims).asLongStream().toArray());
      for (int i = 0; i < count; i++) {
        int label = labels.data[i] & 0xff;
        if (label >= classCount) {
          throw new DatasetException(labelsSource, "label " + label + " of example " + i
              + " is out of range 0 to " + (classCount - 1));
        }
      }
      // The pixels stay bytes: the dataset converts them as rows are gathered, so no float array
      // of 4 bytes per pixel is allocated and filled (0.2 s of Fashion-MNIST's 0.5 s of loading).
      if (type == Dataset.Type.FLOAT) {
        float[] ts = new float[count];
        for (int i = 0; i < count; i++) {
          ts[i] = labels.data[i] & 0xff;
        }
        return Dataset.ofUnitBytes(images.data, ts, inputSize, 1, classCount);
      }
      double[] ts = new double[count];
      for (int i = 0; i < count; i++) {
        ts[i] = labels.data[i] & 0xff;
      }
      return Dataset.ofUnitBytes(images.data, ts, inputSize, 1, classCount);
    }
  }

  /** Labels are bytes, so any count of at least 1 holds them (those of 256 and more, all). */
  private static void checkClassCount(int classCount) {
    if (classCount < 1) {
      throw new IllegalArgumentException("classCount must be at least 1, not " + classCount);
    }
  }

  /**
   * Memory per value of a dataset of {@code type}: the byte read and room for it widened to the
   * element type, which training may ask for.
   */
  private static int bytesPerValue(Dataset.Type type) {
    return 1 + (type == Dataset.Type.FLOAT ? Float.BYTES : Double.BYTES);
  }

  /** Whether {@code file} starts like a gzip stream or an unsigned-byte IDX file. */
  public static boolean looksLikeIdx(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(3);
      return head.length == 3 && ((head[0] == 0x1f && head[1] == (byte) 0x8b)
          || (head[0] == 0 && head[1] == 0 && head[2] == 0x08));
    }
  }

  private static Array array(InputStream raw, String source, Dataset.Type type)
      throws IOException {
    try {
      return parse(decompressed(raw), source, type);
    } catch (ZipException e) {
      throw new DatasetException(source, "is not a valid gzip file (" + e.getMessage() + ")");
    } catch (EOFException e) {
      throw new DatasetException(source, "is truncated (the gzip stream ends early)");
    }
  }

  private static InputStream decompressed(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
  }

  private static Array parse(InputStream in, String source, Dataset.Type type)
      throws IOException {
    byte[] magic = in.readNBytes(4);
    if (magic.length < 4) {
      throw new DatasetException(source, "is truncated (" + magic.length
          + " bytes; an IDX file starts with a 4-byte magic number)");
    }
    if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0) {
      throw new DatasetException(source, String.format(
          "has magic number 0x%02X%02X%02X%02X; not an IDX file (expected 0x0000080N)",
          magic[0], magic[1], magic[2], magic[3]));
    }
    if (magic[2] != 0x08) {
      throw new DatasetException(source, String.format(
          "has IDX data type 0x%02X (%s); netc reads only unsigned bytes (0x08)",
          magic[2], typeName(magic[2])));
    }
    int ndims = magic[3] & 0xff;
    byte[] dimBytes = in.readNBytes(4 * ndims);
    if (dimBytes.length < 4 * ndims) {
      throw new DatasetException(source, "is truncated in its header (" + ndims
          + " dimensions declared)");
    }
    long[] declared = new long[ndims];
    for (int i = 0; i < ndims; i++) {
      declared[i] = ((dimBytes[4 * i] & 0xffL) << 24) | ((dimBytes[4 * i + 1] & 0xff) << 16)
          | ((dimBytes[4 * i + 2] & 0xff) << 8) | (dimBytes[4 * i + 3] & 0xff);
    }
    long bound = 1;
    for (int i = 0; i < ndims; i++) {
      // Zeros count as 1 here, so no dimension can hide an overflowing row size behind a 0.
      bound *= Math.max(declared[i], 1);
      if (bound > Integer.MAX_VALUE - 8) {
        throw new DatasetException(source, "declares sizes " + describe(declared)
            + " that are too large to load (more than 2^31 values)");
      }
    }
    int[] dims = new int[ndims];
    long total = 1;
    for (int i = 0; i < ndims; i++) {
      dims[i] = (int) declared[i];
      total *= dims[i];
    }
    // A header declaring more than memory holds is refused here, before the data is read.
    checkMemory(source, total * bytesPerValue(type), declared);
    byte[] data = readData(in, (int) total, FIRST_CHUNK);
    if (data.length < total) {
      throw new DatasetException(source, "is truncated: sizes " + describe(declared)
          + " need " + total + " data bytes but only " + data.length + " are present");
    }
    if (in.read() != -1) {
      throw new DatasetException(source, "has extra bytes after the " + total
          + " data bytes that sizes " + describe(declared) + " declare");
    }
    return new Array(dims, data);
  }

  /**
   * Up to {@code total} data bytes, fewer if the stream ends first. The array starts at no more
   * than {@code firstChunk} bytes and doubles as data arrives, so a header that lies about its
   * sizes cannot make a short file allocate them; a true one is read into few arrays, the last
   * of its size (Fashion-MNIST's training images in 0.22 s against 0.29 s through
   * {@code readNBytes}, which reads 8 KiB pieces and copies them together). Each read asks for
   * at most {@link #READ_CHUNK} bytes: a plain file's stream reads through a temporary direct
   * buffer as large as the request, which its thread keeps.
   */
  static byte[] readData(InputStream in, int total, int firstChunk) throws IOException {
    byte[] data = new byte[Math.min(total, firstChunk)];
    int filled = 0;
    while (filled < total) {
      if (filled == data.length) {
        data = Arrays.copyOf(data, (int) Math.min(total, 2L * data.length));
      }
      int n = in.read(data, filled, Math.min(data.length - filled, READ_CHUNK));
      if (n < 0) {
        return Arrays.copyOf(data, filled);
      }
      filled += n;
    }
    return data;
  }

  /** The most {@link #readData} allocates before the data has arrived (16 MiB). */
  private static final int FIRST_CHUNK = 1 << 24;

  /** The most {@link #readData} asks its stream for at a time (1 MiB). */
  private static final int READ_CHUNK = 1 << 20;

  /** Refuses up front what would end in an OutOfMemoryError, saying how much is needed. */
  private static void checkMemory(String source, long bytes, long[] dims)
      throws DatasetException {
    long max = Runtime.getRuntime().maxMemory();
    if (max != Long.MAX_VALUE && bytes > max) {
      throw new DatasetException(source, "sizes " + describe(dims) + " need about "
          + (bytes >> 20) + " MiB but the JVM may use only " + (max >> 20)
          + " MiB (raise -Xmx)");
    }
  }

  private static String describe(long[] dims) {
    StringBuilder sb = new StringBuilder();
    for (long d : dims) {
      sb.append(sb.length() == 0 ? "" : "x").append(d);
    }
    return sb.toString();
  }

  private static String typeName(byte type) {
    return switch (type) {
      case 0x09 -> "signed byte";
      case 0x0B -> "short";
      case 0x0C -> "int";
      case 0x0D -> "float";
      case 0x0E -> "double";
      default -> "unknown";
    };
  }

  private static int product(int[] dims, int from) {
    return Arrays.stream(dims, from, dims.length).reduce(1, Math::multiplyExact);
  }
}
