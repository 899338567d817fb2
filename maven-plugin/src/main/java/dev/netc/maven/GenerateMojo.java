package dev.netc.maven;

import java.io.File;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * Generates one Java class per network from the {@code .net} files of {@code src/main/netc} and
 * adds the output folder as a compile source root. Only inputs that changed (or a new netc
 * version) are regenerated; outputs of removed inputs are deleted.
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public final class GenerateMojo extends AbstractGenerateMojo {

  /** The folder scanned (recursively) for {@code .net} files. */
  @Parameter(property = "netc.sourceDirectory", defaultValue = "${basedir}/src/main/netc")
  private File sourceDirectory;

  /** The folder that receives the generated Java sources; added as a compile source root. */
  @Parameter(property = "netc.outputDirectory",
      defaultValue = "${project.build.directory}/generated-sources/netc")
  private File outputDirectory;

  /**
   * The Java package of every generated class. By default it is derived from the file's folder
   * under {@code sourceDirectory} ({@code com/acme/xor.net} → {@code com.acme}); a file directly in
   * {@code sourceDirectory} gets a package named after the file ({@code xor.net} → {@code xor}).
   */
  @Parameter(property = "netc.packageName")
  private String packageName;

  @Override
  File sourceDirectory() {
    return sourceDirectory;
  }

  @Override
  File outputDirectory() {
    return outputDirectory;
  }

  @Override
  String packageName() {
    return packageName;
  }

  @Override
  void addSourceRoot(MavenProject project, String dir) {
    project.addCompileSourceRoot(dir);
  }
}
