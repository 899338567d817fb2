package dev.netc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PackageNamesTest {

  @Test
  void folderUnderTheSourceDirectoryIsThePackage() {
    assertEquals(Optional.of("com.acme.nets"), PackageNames.derive("com/acme/nets/x.net")
        .packageName());
  }

  @Test
  void fileAtTheRootIsItsOwnPackage() {
    assertEquals(Optional.of("xor"), PackageNames.derive("xor.net").packageName());
  }

  @Test
  void keywordsAndBadIdentifiersAreRejectedWithAHint() {
    var d = PackageNames.derive("com/class/x.net");
    assertTrue(d.packageName().isEmpty());
    assertEquals("folder 'class' is not a valid java package name; rename it or set"
        + " <packageName>", d.problem());
    var root = PackageNames.derive("my-model.net");
    assertEquals("cannot use 'my-model' as a package name; move 'my-model.net' into a folder"
        + " such as com/example/ or set <packageName>", root.problem());
  }

  @Test
  void validatesUserPackages() {
    assertTrue(PackageNames.isValid("org.example.nets"));
    assertFalse(PackageNames.isValid("org.example."));
    assertFalse(PackageNames.isValid("int.x"));
  }
}
