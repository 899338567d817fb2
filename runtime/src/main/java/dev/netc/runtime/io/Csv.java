package dev.netc.runtime.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads a CSV data file: one example per line, comma-separated numbers, inputs first then
 * targets (see {@link CsvLayout}). Spaces around fields, CRLF line ends, a UTF-8 byte order mark
 * and blank lines at the end are tolerated; anything else that is wrong is reported with the file
 * name, the 1-based line number and the 1-based field number.
 */
public final class Csv {

  private final String source;
  private final CsvLayout layout;
  private final boolean asFloat;
  private double[] inputs = new double[1024];
  private double[] targets = new double[64];
  private float[] floatInputs = new float[0];
  private int rows;

  private Csv(String source, CsvLayout layout, Dataset.Type type) {
    this.source = source;
    this.layout = layout;
    this.asFloat = type == Dataset.Type.FLOAT;
    if (asFloat) {
      // Float inputs are stored as floats straight away: for large files that halves memory.
      floatInputs = new float[1024];
      inputs = new double[0];
    }
  }

  /** Reads {@code file} as {@code layout} into a dataset of {@code type}. */
  public static Dataset read(Path file, CsvLayout layout, Dataset.Type type) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(in, file.toString(), layout, type);
    }
  }

  /** Reads CSV text from {@code in} (not closed), named {@code source} in messages. */
  public static Dataset read(Reader in, String source, CsvLayout layout, Dataset.Type type)
      throws IOException {
    Csv csv = new Csv(source, layout, type);
    BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
    try {
      return csv.readAll(lines);
    } catch (CharacterCodingException e) {
      throw new DatasetException(source, "is not UTF-8 text");
    }
  }

  private Dataset readAll(BufferedReader in) throws IOException {
    int lineNo = 0;
    int firstBlank = 0;
    String line;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (lineNo == 1 && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      if (lineNo == 1 && layout.header()) {
        continue;
      }
      if (line.isBlank()) {
        if (firstBlank == 0) {
          firstBlank = lineNo;
        }
        continue;
      }
      if (firstBlank != 0) {
        throw new DatasetException(source, firstBlank, "blank line between data rows");
      }
      row(line, lineNo);
    }
    if (rows == 0) {
      throw new DatasetException(source, "has no data rows");
    }
    int n = layout.inputSize();
    int w = layout.targetWidth();
    int k = layout.classCount();
    if (asFloat) {
      float[] t = new float[rows * w];
      for (int i = 0; i < t.length; i++) {
        t[i] = (float) targets[i];
      }
      return Dataset.ofFloats(Arrays.copyOf(floatInputs, rows * n), t, n, w, k);
    }
    return Dataset.ofDoubles(Arrays.copyOf(inputs, rows * n), Arrays.copyOf(targets, rows * w),
        n, w, k);
  }

  private void row(String line, int lineNo) throws DatasetException {
    int expected = layout.fieldCount();
    int found = 1;
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == ',') {
        found++;
      }
    }
    if (found != expected) {
      throw new DatasetException(source, lineNo, "expected " + expected + " fields ("
          + count(layout.inputSize(), "input") + " and " + count(layout.targetWidth(), "target")
          + ") but found " + found);
    }
    int n = layout.inputSize();
    ensureCapacity();
    int start = 0;
    for (int field = 0; field < expected; field++) {
      int end = line.indexOf(',', start);
      if (end < 0) {
        end = line.length();
      }
      double v = number(line.substring(start, end).strip(), lineNo, field + 1);
      if (field < n) {
        if (asFloat) {
          float f = (float) v;
          if (!Float.isFinite(f)) {
            throw new DatasetException(source, lineNo, "field " + (field + 1) + ": '"
                + line.substring(start, end).strip() + "' is out of float range");
          }
          floatInputs[rows * n + field] = f;
        } else {
          inputs[rows * n + field] = v;
        }
      } else {
        targets[rows * layout.targetWidth() + field - n] = target(v, line.substring(start, end)
            .strip(), lineNo, field + 1);
      }
      start = end + 1;
    }
    rows++;
  }

  private double target(double v, String text, int lineNo, int field) throws DatasetException {
    int k = layout.classCount();
    if (k == 0) {
      if (asFloat && !Float.isFinite((float) v)) {
        throw new DatasetException(source, lineNo, "field " + field + ": '" + text
            + "' is out of float range");
      }
      return v;
    }
    if (v != Math.rint(v)) {
      throw new DatasetException(source, lineNo, "field " + field + ": class index '" + text
          + "' is not an integer");
    }
    if (v < 0 || v >= k) {
      throw new DatasetException(source, lineNo, "field " + field + ": class index '" + text
          + "' is out of range 0 to " + (k - 1));
    }
    return v;
  }

  /** Parses a decimal number, refusing what Double.parseDouble would also take (hex, "1f"). */
  private double number(String text, int lineNo, int field) throws DatasetException {
    if (text.isEmpty()) {
      throw new DatasetException(source, lineNo, "field " + field + " is empty");
    }
    if (!isDecimal(text)) {
      String lower = text.toLowerCase(Locale.ROOT).replaceFirst("^[+-]", "");
      if (lower.equals("nan") || lower.startsWith("inf")) {
        throw new DatasetException(source, lineNo, "field " + field + ": '" + text
            + "' is not a finite number");
      }
      throw new DatasetException(source, lineNo, "field " + field + ": '" + text
          + "' is not a number" + (lineNo == 1 && looksLikeName(text)
              ? "; is line 1 a header? skip it with --header (CsvLayout.withHeader in code)"
              : ""));
    }
    double v = Double.parseDouble(text);
    if (!Double.isFinite(v)) {
      throw new DatasetException(source, lineNo, "field " + field + ": '" + text
          + "' is out of range");
    }
    return v;
  }

  /**
   * True for a field that reads like a column name ({@code label}, {@code x1}, {@code "price"})
   * rather than a mistyped number ({@code 1f}, {@code 0x1p3}): it starts with a letter or has no
   * digit at all.
   */
  private static boolean looksLikeName(String text) {
    return Character.isLetter(text.charAt(0)) || text.chars().noneMatch(Csv::isDigit);
  }

  /** {@code [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)?} */
  static boolean isDecimal(String s) {
    int i = 0;
    int n = s.length();
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    int digits = 0;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exp = 0;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        exp++;
      }
      if (exp == 0) {
        return false;
      }
    }
    return i == n;
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private void ensureCapacity() throws DatasetException {
    long needInputs = (rows + 1L) * layout.inputSize();
    long needTargets = (rows + 1L) * layout.targetWidth();
    if (needInputs > Integer.MAX_VALUE - 8 || needTargets > Integer.MAX_VALUE - 8) {
      throw new DatasetException(source, "has more rows than netc can hold in memory ("
          + rows + " rows read)");
    }
    if (asFloat && needInputs > floatInputs.length) {
      floatInputs = Arrays.copyOf(floatInputs, grow(floatInputs.length, needInputs));
    } else if (!asFloat && needInputs > inputs.length) {
      inputs = Arrays.copyOf(inputs, grow(inputs.length, needInputs));
    }
    if (needTargets > targets.length) {
      targets = Arrays.copyOf(targets, grow(targets.length, needTargets));
    }
  }

  private static int grow(int length, long need) {
    long grown = Math.max(need, length + (length >> 1) + 16L);
    return (int) Math.min(grown, Integer.MAX_VALUE - 8);
  }
}
