package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the planner makes of a timing JVM's output when the user's JVM options add to it: a
 * flight recording named in {@code NETC_JAVA_OPTS} made every child's stdout end in recorder
 * lines, the planner read that as a failure of every plan, and its message quoted the Vector
 * API's incubator notice instead of a reason.
 */
class PlannerChildOutputTest {

  @Test
  void theTimeIsFoundAboveLinesTheJvmPrintsAfterIt() {
    String out = Planner.Probe.PREFIX + "123.5\n"
        + "[2.1s][info][jfr] Dumped recording \"1\" to /tmp/x.jfr\n";
    assertEquals(Planner.Probe.PREFIX + "123.5", Planner.resultLine(out));
    assertEquals(Planner.Probe.NARROWED + "preferred",
        Planner.resultLine("log line\n" + Planner.Probe.NARROWED + "preferred\nlog line\n"));
    // Without a result line the last line is what there is; no output is an empty line.
    assertEquals("something else", Planner.resultLine("first\nsomething else\n"));
    assertEquals("", Planner.resultLine(""));
  }

  @Test
  void aFailureIsExplainedByItsOwnMessageNotTheIncubatorNotice() {
    String notice = Planner.INCUBATOR_WARNING + ": jdk.incubator.vector";
    assertEquals("model.net:3:5: error: unknown layer",
        Planner.failure(new ChildJvm.Outcome(1, "",
            notice + "\nmodel.net:3:5: error: unknown layer\n")));
    assertEquals("exit code 134",
        Planner.failure(new ChildJvm.Outcome(134, "", notice + "\n\n")));
    assertEquals("printed no time per step",
        Planner.failure(new ChildJvm.Outcome(0, "[info] recorder\n", notice + "\n")));
  }

  @Test
  void childrenDoNotInheritOptionsThatWriteFilesOrPrintLogs() {
    List<String> options = List.of("-Xmx2g", "-XX:StartFlightRecording=filename=/tmp/x.jfr",
        "-XX:FlightRecorderOptions=stackdepth=96", "-Xlog:gc:file=/tmp/gc.log",
        "-XX:ArchiveClassesAtExit=/tmp/a.jsa", "-verbose:gc", "-javaagent:/tmp/agent.jar",
        "-agentlib:jdwp=transport=dt_socket", "-Dnetc.plan=v256",
        "-XX:Tier4InvocationThreshold=500");
    assertEquals(List.of("-Xmx2g", "-Dnetc.plan=v256", "-XX:Tier4InvocationThreshold=500"),
        ChildJvm.inherited(options));
  }
}
