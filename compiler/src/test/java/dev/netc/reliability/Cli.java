package dev.netc.reliability;

import dev.netc.cli.Netc;
import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the real command line ({@link Netc#run}) with what it printed. */
record Cli(int exitCode, String out, String err) {

  static Cli run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Netc.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Cli(code, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
