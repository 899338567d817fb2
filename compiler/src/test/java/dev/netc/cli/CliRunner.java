package dev.netc.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@link Netc#run} the way {@code main} does and captures what it prints (for tests). */
public record CliRunner(int exitCode, String out, String err) {

  /** Runs netc with {@code args} and captures its exit code, stdout and stderr. */
  public static CliRunner run(String... args) {
    return runWith(CommandLine.defaultFactory(), args);
  }

  /** Like {@link #run}, with commands created by {@code factory} (to inject test doubles). */
  static CliRunner runWith(CommandLine.IFactory factory, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Netc.run(args, new PrintWriter(out, true), new PrintWriter(err, true), factory);
    return new CliRunner(code, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
