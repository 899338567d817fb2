package dev.netc.spark;

import java.util.function.Supplier;

/** Runs a Spark job and reports a bad input row as one line instead of a stage failure. */
final class Jobs {
  private Jobs() {}

  /** The job's result; a {@link BadRowException} from any task is rethrown as itself. */
  static <T> T run(Supplier<T> job) {
    try {
      return job.get();
    } catch (Exception e) { // Spark throws its checked SparkException undeclared.
      BadRowException.rethrowIfCause(e);
      throw Jobs.<RuntimeException>sneaky(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Exception> E sneaky(Exception e) throws E {
    throw (E) e;
  }
}
