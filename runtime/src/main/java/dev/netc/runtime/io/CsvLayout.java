package dev.netc.runtime.io;

/**
 * What each row of a CSV data file holds: {@code inputSize} inputs, then {@code targetWidth}
 * targets, which are one class index in [0, classCount) when {@code classCount > 0}
 * ({@code cross_entropy}), otherwise plain values. {@code header} says whether the first line is a
 * header to skip.
 */
public record CsvLayout(int inputSize, int targetWidth, int classCount, boolean header) {

  /** Validates the sizes. */
  public CsvLayout {
    if (inputSize < 1) {
      throw new IllegalArgumentException("inputSize must be at least 1, not " + inputSize);
    }
    if (targetWidth < 0) {
      throw new IllegalArgumentException("targetWidth must not be negative");
    }
    if (classCount < 0 || (classCount > 0 && targetWidth != 1)) {
      throw new IllegalArgumentException("class indices need targetWidth 1 and classCount > 0");
    }
  }

  /** Rows of {@code inputSize} inputs and one class index in [0, classCount), no header. */
  public static CsvLayout classes(int inputSize, int classCount) {
    if (classCount < 1) {
      throw new IllegalArgumentException("classCount must be at least 1, not " + classCount);
    }
    return new CsvLayout(inputSize, 1, classCount, false);
  }

  /** Rows of {@code inputSize} inputs and {@code targetWidth} target values, no header. */
  public static CsvLayout values(int inputSize, int targetWidth) {
    return new CsvLayout(inputSize, targetWidth, 0, false);
  }

  /** The same layout with the header line skipped or not. */
  public CsvLayout withHeader(boolean header) {
    return new CsvLayout(inputSize, targetWidth, classCount, header);
  }

  /** Number of fields per row. */
  public int fieldCount() {
    return inputSize + targetWidth;
  }
}
