package dev.netc.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.netc.FrontendResult;
import java.nio.charset.StandardCharsets;

/**
 * Front end, code generator and javac together: whatever the front end accepts becomes Java that,
 * with each backend (scalar, and vector when the JVM has the module), compiles without warnings,
 * loads, starts from the interpreter's parameters and predicts what the interpreter predicts. The source file name ends up in the generated javadoc, so the fuzzer
 * controls it too: a first line {@code // file: NAME} names the file (the rest of the line).
 * Networks over {@value FuzzChecks#MAX_COMPILED_PARAMETERS} parameters are only checked by the
 * front end, to keep each iteration fast.
 */
class CodegenFuzzTest {
  private static final String FILE_PREFIX = "// file: ";

  @FuzzTest
  void generatedJavaCompiles(byte[] data) {
    String source = new String(data, StandardCharsets.UTF_8);
    String fileName = "fuzz.net";
    if (source.startsWith(FILE_PREFIX)) {
      int end = source.indexOf('\n');
      fileName = source.substring(FILE_PREFIX.length(), end < 0 ? source.length() : end);
    }
    FrontendResult r = FuzzChecks.frontEnd(fileName, source);
    FuzzChecks.generateAndRun(r);
  }
}
