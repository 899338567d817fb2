package dev.netc.maven;

import java.io.File;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * Generates one Java class per network from the {@code .net} files of {@code src/test/netc} and
 * adds the output folder as a test source root, for networks that only tests use.
 */
@Mojo(name = "generate-test", defaultPhase = LifecyclePhase.GENERATE_TEST_SOURCES,
    threadSafe = true)
public final class GenerateTestMojo extends AbstractGenerateMojo {

  /** The folder scanned (recursively) for test {@code .net} files. */
  @Parameter(property = "netc.testSourceDirectory", defaultValue = "${basedir}/src/test/netc")
  private File testSourceDirectory;

  /** The folder that receives the generated Java sources; added as a test source root. */
  @Parameter(property = "netc.testOutputDirectory",
      defaultValue = "${project.build.directory}/generated-test-sources/netc")
  private File testOutputDirectory;

  /**
   * The Java package of every generated test class; derived from the folders by default, as for
   * the {@code generate} goal.
   */
  @Parameter(property = "netc.testPackageName")
  private String testPackageName;

  /** Like the compiler plugin, {@code -Dmaven.test.skip} skips test sources too. */
  @Parameter(property = "maven.test.skip", defaultValue = "false")
  private boolean mavenTestSkip;

  @Override
  File sourceDirectory() {
    return testSourceDirectory;
  }

  @Override
  File outputDirectory() {
    return testOutputDirectory;
  }

  @Override
  String packageName() {
    return testPackageName;
  }

  @Override
  boolean skipGoal() {
    return mavenTestSkip;
  }

  @Override
  void addSourceRoot(MavenProject project, String dir) {
    project.addTestCompileSourceRoot(dir);
  }
}
