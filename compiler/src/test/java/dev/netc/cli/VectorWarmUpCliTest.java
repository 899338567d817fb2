package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netc.runtime.VectorWarmUp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CLI's JVMs (the command's and the planner's probes) run without the vector classes'
 * warm-up of the Vector API (one network per JVM needs none), unless the user's
 * {@code -Dnetc.vectorWarmUp} asks for it.
 */
class VectorWarmUpCliTest {
  private static final String PROPERTY = VectorWarmUp.PROPERTY;
  private String saved;

  @BeforeEach
  void save() {
    saved = System.getProperty(PROPERTY);
  }

  @AfterEach
  void restore() {
    if (saved == null) {
      System.clearProperty(PROPERTY);
    } else {
      System.setProperty(PROPERTY, saved);
    }
  }

  @Test
  void offUnlessTheUserSaysOtherwise() {
    System.clearProperty(PROPERTY);
    Netc.skipVectorWarmUp();
    assertEquals("false", System.getProperty(PROPERTY));
    System.setProperty(PROPERTY, "true");
    Netc.skipVectorWarmUp();
    assertEquals("true", System.getProperty(PROPERTY), "the user's choice stands");
  }
}
