package dev.netc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildStateTest {
  @TempDir Path tmp;

  @Test
  void roundTripsAndRendersDeterministically() throws IOException {
    var inputs = new TreeMap<String, BuildState.Entry>();
    inputs.put("b/two.net", new BuildState.Entry("", new TreeMap<>(Map.of("b/Two.java", "22"))));
    inputs.put("a/one.net", new BuildState.Entry("11",
        new TreeMap<>(Map.of("a/Uno.java", "u", "a/One.java", "o"))));
    BuildState state = new BuildState("0.1.0|package=", inputs);
    Path file = tmp.resolve("s.state");
    Files.writeString(file, state.render());
    BuildState back = BuildState.read(file);
    assertEquals(state, back);
    assertEquals("netc-state 1\nkey\t0.1.0|package=\ninput\ta/one.net\t11\n"
        + "output\ta/One.java\to\noutput\ta/Uno.java\tu\ninput\tb/two.net\t\n"
        + "output\tb/Two.java\t22\n", state.render());
    assertEquals(List.of("a/One.java", "a/Uno.java", "b/Two.java"), back.allOutputs());
  }

  @Test
  void missingOrForeignFileIsAnEmptyState() throws IOException {
    assertEquals(BuildState.empty(""), BuildState.read(tmp.resolve("none")));
    Path junk = tmp.resolve("junk");
    Files.writeString(junk, "something else\n");
    assertEquals(BuildState.empty(""), BuildState.read(junk));
  }
}
