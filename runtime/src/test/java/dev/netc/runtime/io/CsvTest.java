package dev.netc.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CsvTest {

  @TempDir Path dir;

  private static Dataset read(String text, CsvLayout layout, Dataset.Type type)
      throws IOException {
    return Csv.read(new StringReader(text), "d.csv", layout, type);
  }

  @Test
  void readsClassRowsWithSpacesCrlfHeaderAndTrailingBlankLines() throws IOException {
    Path p = dir.resolve("xor.csv");
    Files.writeString(p, "\uFEFFa,b,label\r\n0, 0 ,0\r\n0,1,1\r\n 1 ,0,1\r\n1,1,0.0\r\n\r\n  \n");
    Dataset d = Csv.read(p, CsvLayout.classes(2, 2).withHeader(true), Dataset.Type.FLOAT);
    assertEquals(4, d.count());
    assertEquals(2, d.inputSize());
    assertEquals(1, d.targetWidth());
    assertEquals(2, d.classCount());
    assertArrayEquals(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, d.floatInputs());
    assertArrayEquals(new float[] {0, 1, 1, 0}, d.floatTargets());
    assertEquals(1, d.label(2));
  }

  @Test
  void readsValueTargetsInDoublePrecision() throws IOException {
    Dataset d = read("0.1,-2e-3,1.5,+2.25\n.5,3.,1E2,-0\n", CsvLayout.values(2, 2),
        Dataset.Type.DOUBLE);
    assertArrayEquals(new double[] {0.1, -2e-3, .5, 3.}, d.doubleInputs());
    assertArrayEquals(new double[] {1.5, 2.25, 100, -0.0}, d.doubleTargets());
    assertEquals(0, d.classCount());
    assertThrows(IllegalStateException.class, d::floatInputs);
    assertArrayEquals(new float[] {0.1f, -2e-3f, .5f, 3f}, d.as(Dataset.Type.FLOAT).floatInputs());
  }

  static Stream<Arguments> badRows() {
    return Stream.of(
        Arguments.of("too few fields", "1,2,0\n1,2\n",
            "d.csv:2: expected 3 fields (2 inputs and 1 target) but found 2"),
        Arguments.of("too many fields", "1,2,0,7\n",
            "d.csv:1: expected 3 fields (2 inputs and 1 target) but found 4"),
        Arguments.of("trailing comma", "1,2,\n",
            "d.csv:1: field 3 is empty"),
        Arguments.of("not a number", "1,2,0\n1,x1,0\n",
            "d.csv:2: field 2: 'x1' is not a number"),
        Arguments.of("header row", "x1,x2,label\n1,2,0\n",
            "d.csv:1: field 1: 'x1' is not a number; is line 1 a header? skip it with --header "
                + "(CsvLayout.withHeader in code)"),
        Arguments.of("quoted header row", "\"a\",\"b\",\"c\"\n1,2,0\n",
            "d.csv:1: field 1: '\"a\"' is not a number; is line 1 a header? skip it with "
                + "--header (CsvLayout.withHeader in code)"),
        Arguments.of("a word below line 1 is no header", "1,2,0\nx,2,0\n",
            "d.csv:2: field 1: 'x' is not a number"),
        Arguments.of("hex is not decimal", "0x1p3,2,0\n",
            "d.csv:1: field 1: '0x1p3' is not a number"),
        Arguments.of("java suffix", "1f,2,0\n",
            "d.csv:1: field 1: '1f' is not a number"),
        Arguments.of("quoted field", "\"1\",2,0\n",
            "d.csv:1: field 1: '\"1\"' is not a number"),
        Arguments.of("nan", "1,NaN,0\n",
            "d.csv:1: field 2: 'NaN' is not a finite number"),
        Arguments.of("infinity", "-Infinity,2,0\n",
            "d.csv:1: field 1: '-Infinity' is not a finite number"),
        Arguments.of("overflow", "1e999,2,0\n",
            "d.csv:1: field 1: '1e999' is out of range"),
        Arguments.of("float overflow", "1e39,2,0\n",
            "d.csv:1: field 1: '1e39' is out of float range"),
        Arguments.of("fractional class", "1,2,0\n1,2,0\n1,2,1.5\n",
            "d.csv:3: field 3: class index '1.5' is not an integer"),
        Arguments.of("class too large", "1,2,3\n",
            "d.csv:1: field 3: class index '3' is out of range 0 to 2"),
        Arguments.of("negative class", "1,2,-1\n",
            "d.csv:1: field 3: class index '-1' is out of range 0 to 2"),
        Arguments.of("blank in between", "1,2,0\n\n1,2,0\n",
            "d.csv:2: blank line between data rows"),
        Arguments.of("no rows", "\n\n",
            "d.csv: has no data rows"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRows")
  void badRowsAreReportedWithLineAndField(String what, String text, String expected) {
    DatasetException e = assertThrows(DatasetException.class,
        () -> read(text, CsvLayout.classes(2, 3), Dataset.Type.FLOAT));
    assertEquals(expected, e.getMessage());
    assertEquals("d.csv", e.source());
  }

  @Test
  void reportsLineNumbersCountingTheHeader() {
    DatasetException e = assertThrows(DatasetException.class, () -> read(
        "x,y\n1,2\n3,oops\n", CsvLayout.values(1, 1).withHeader(true), Dataset.Type.DOUBLE));
    assertEquals("d.csv:3: field 2: 'oops' is not a number", e.getMessage());
    assertEquals(3, e.line());
  }

  @Test
  void invalidUtf8IsReportedAsSuch() throws IOException {
    Path p = dir.resolve("latin1.csv");
    Files.write(p, new byte[] {'1', ',', (byte) 0xff, '\n'});
    DatasetException e = assertThrows(DatasetException.class,
        () -> Csv.read(p, CsvLayout.values(1, 1), Dataset.Type.FLOAT));
    assertEquals(p + ": is not UTF-8 text", e.getMessage());
  }

  @Test
  void decimalSyntaxIsStrict() {
    for (String ok : new String[] {"0", "-1", "+1.", ".5", "1e5", "1.5E-3", "007"}) {
      assertTrue(Csv.isDecimal(ok), ok);
    }
    for (String bad : new String[] {"", ".", "-", "e5", "1e", "1e+", "1.2.3", "1 2", "0x10",
        "1d", "NaN", "--1"}) {
      assertFalse(Csv.isDecimal(bad), bad);
    }
  }

  @Test
  void growsPastTheInitialBuffers() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      sb.append(i).append(',').append(-i).append(',').append(i % 7).append('\n');
    }
    Dataset d = read(sb.toString(), CsvLayout.classes(2, 7), Dataset.Type.DOUBLE);
    assertEquals(3000, d.count());
    assertEquals(2999.0, d.doubleInputs()[2 * 2999]);
    assertEquals(-2999.0, d.doubleInputs()[2 * 2999 + 1]);
    assertEquals(2999 % 7, d.label(2999));
  }
}
