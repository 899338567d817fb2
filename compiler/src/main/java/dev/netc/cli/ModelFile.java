package dev.netc.cli;

import dev.netc.Frontend;
import dev.netc.FrontendResult;
import dev.netc.ir.Network;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A {@code .net} file read and checked, with its networks; the first step of every command. */
record ModelFile(Path path, List<Network> networks) {

  /**
   * Reads and compiles {@code path}. Diagnostics go to {@code err} in FILE:LINE:COL form; any error
   * ends the command with exit code 1.
   */
  static ModelFile load(Path path, PrintWriter err) {
    String source = readText(path);
    FrontendResult result = Frontend.compile(path.toString(), source);
    if (!result.diagnostics().isEmpty()) {
      err.print(result.renderDiagnostics());
      err.flush();
    }
    if (result.hasErrors()) {
      long errors = result.diagnostics().stream()
          .filter(d -> d.severity() == dev.netc.diag.Diagnostic.Severity.ERROR).count();
      throw new UserException(path + ": " + errors + (errors == 1 ? " error" : " errors"));
    }
    return new ModelFile(path, List.copyOf(result.networks()));
  }

  /** Reads a whole text file as UTF-8, turning I/O problems into one-line user errors. */
  static String readText(Path path) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(path)))
          .toString();
    } catch (NoSuchFileException e) {
      throw new UserException("cannot read '" + path + "': no such file");
    } catch (CharacterCodingException e) {
      throw new UserException("cannot read '" + path + "': not valid UTF-8 text");
    } catch (IOException e) {
      throw new UserException("cannot read '" + path + "': " + describe(e));
    }
  }

  /** The network called {@code name}, or the only one when {@code name} is null. */
  Network select(String name) {
    if (name != null) {
      return networks.stream()
          .filter(n -> n.name().equals(name))
          .findFirst()
          .orElseThrow(() -> new UserException(
              path + ": no network named '" + name + "' (it has " + names() + ")"));
    }
    if (networks.size() != 1) {
      throw new UserException(path + " holds " + networks.size() + " networks (" + names()
          + "); choose one with --network NAME");
    }
    return networks.get(0);
  }

  /** The networks to act on: the one named, or all. */
  List<Network> selectAll(String name) {
    return name == null ? networks : List.of(select(name));
  }

  private String names() {
    return networks.stream().map(n -> "'" + n.name() + "'").collect(Collectors.joining(", "));
  }

  /** A short reason for an I/O failure, without the Java class name. */
  static String describe(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
