package dev.netc.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * The front end (lexer, parser, checker, lowering) on arbitrary text: it never throws and never
 * hangs, and every diagnostic points inside the file. In a normal build this replays the committed
 * corpus in {@code FrontendFuzzTestInputs/frontEnd}; {@code compiler/fuzz.sh FrontendFuzzTest 10m}
 * fuzzes it.
 */
class FrontendFuzzTest {

  /** Any bytes, decoded as UTF-8 (invalid sequences become U+FFFD, as a lenient reader would). */
  @FuzzTest
  void frontEnd(byte[] data) {
    String source = new String(data, StandardCharsets.UTF_8);
    FuzzChecks.frontEnd("fuzz.net", source);
  }
}
