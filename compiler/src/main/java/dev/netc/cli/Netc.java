package dev.netc.cli;

import dev.netc.Version;
import dev.netc.diag.Suggest;
import dev.netc.runtime.VectorWarmUp;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code netc} command line. {@code netc MODEL.net} is short for {@code netc generate MODEL.net}.
 * Exit codes: 0 ok, 1 a problem with the input, 2 a usage error.
 */
@Command(
    name = "netc",
    mixinStandardHelpOptions = true,
    versionProvider = Netc.VersionProvider.class,
    description = "Compiles fixed neural networks described in .net files into specialized Java.")
public final class Netc implements Runnable {
  /**
   * The commands, in the order the usage lists them. {@link #run} registers only the one that
   * runs ({@code generate} for {@code netc MODEL.net}): picocli builds each command's model by
   * reflection, and building all of them took 104-144 ms of a Fashion-MNIST {@code train}'s
   * start against 82-86 ms for {@code train} alone.
   */
  private static final Map<String, Class<?>> COMMANDS = Stream.of(
          GenerateCommand.class,
          CheckCommand.class,
          GradCommand.class,
          TrainCommand.class,
          EvalCommand.class,
          PredictCommand.class,
          TuneCommand.class,
          DotCommand.class,
          ImportCommand.class,
          ExportCommand.class,
          CommandLine.HelpCommand.class)
      .collect(Collectors.toMap(c -> c.getAnnotation(Command.class).name(), c -> c,
          (a, b) -> a, LinkedHashMap::new));

  /** The command names, in the usage's order. */
  private static final Set<String> NAMES = COMMANDS.keySet();

  /** Exit code for a problem with the user's input files or data. */
  static final int INPUT_ERROR = 1;
  /** Exit code for a command line that cannot be served as written (picocli's too). */
  static final int USAGE_ERROR = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs netc and exits with its exit code. */
  public static void main(String[] args) {
    skipVectorWarmUp();
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(run(args, out, err));
  }

  /**
   * Turns off the generated vector classes' warm-up of the Vector API ({@code
   * dev.netc.runtime.VectorWarmUp}) unless {@code -Dnetc.vectorWarmUp} says otherwise: a netc
   * JVM runs one network's class, which needs no protection from other classes' kernels, and
   * the warm-up would add about 35 ms to every command's start.
   */
  static void skipVectorWarmUp() {
    if (System.getProperty(VectorWarmUp.PROPERTY) == null) {
      System.setProperty(VectorWarmUp.PROPERTY, "false");
    }
  }

  /** Runs netc with the given streams and returns the exit code (for tests and embedding). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, out, err, CommandLine.defaultFactory());
  }

  /** Like {@link #run(String[], PrintWriter, PrintWriter)}; {@code factory} creates commands. */
  static int run(String[] args, PrintWriter out, PrintWriter err, CommandLine.IFactory factory) {
    Optional<String> meant = mistypedCommand(args, NAMES);
    int code;
    if (meant.isPresent()) {
      err.println("netc: error: unknown command '" + args[0] + "'; did you mean '" + meant.get()
          + "'? (commands: " + String.join(", ", NAMES) + ")");
      code = USAGE_ERROR;
    } else {
      String[] command = withDefaultCommand(args, NAMES);
      code = commandLine(command, out, err, factory).execute(command);
    }
    out.flush();
    err.flush();
    return code;
  }

  /**
   * The command line for {@code args}: with only the command they name registered ("help", and
   * a usage error before any command, list them all).
   */
  private static CommandLine commandLine(String[] args, PrintWriter out, PrintWriter err,
      CommandLine.IFactory factory) {
    CommandLine cli = new CommandLine(new Netc(), factory);
    boolean one = args.length > 0 && NAMES.contains(args[0]) && !args[0].equals("help");
    COMMANDS.forEach((name, command) -> {
      if (!one || name.equals(args[0])) {
        cli.addSubcommand(name, command);
      }
    });
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(Netc::usageError);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof UserException u) {
            commandLine.getErr().println("netc: error: " + e.getMessage());
            commandLine.getErr().flush();
            return u.exitCode;
          }
          commandLine.getErr().println("netc: internal error (please report it with the input "
              + "that caused it): " + e);
          e.printStackTrace(commandLine.getErr());
          commandLine.getErr().flush();
          return 70;
        });
    return cli;
  }

  /**
   * A command line that cannot be served as written: the problem in netc's error style, picocli's
   * suggestions for a mistyped option, then the command's synopsis and where its options are
   * described (the whole help, some 90 lines for {@code train}, buried the one line that
   * mattered). Without a command, the usage lists the commands. Exit code {@link #USAGE_ERROR}.
   */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    err.println("netc: error: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    if (command.getParent() == null) {
      command.usage(err);
    } else {
      err.print(command.getHelp().fullSynopsis());
      err.println("Run 'netc " + command.getCommandName() + " --help' for its options.");
    }
    err.flush();
    return USAGE_ERROR;
  }

  /**
   * The command the user probably meant when the first argument is neither a command nor a model
   * file (no such file, nothing path-like: no {@code .} or {@code /}) but close to a command's
   * name: a typo within {@link Suggest}'s distance, or a longer or shorter form of it
   * ({@code evaluate}, {@code gen}).
   */
  private static Optional<String> mistypedCommand(String[] args, Set<String> commands) {
    if (args.length == 0 || args[0].startsWith("-") || commands.contains(args[0])
        || args[0].matches(".*[./\\\\].*") || exists(args[0])) {
      return Optional.empty();
    }
    String word = args[0].toLowerCase(Locale.ROOT);
    Optional<String> close = Suggest.closest(word, commands);
    if (close.isPresent() || word.length() < 3) {
      return close;
    }
    return commands.stream()
        .filter(c -> c.length() >= 3 && (word.startsWith(c) || c.startsWith(word)))
        .findFirst();
  }

  private static boolean exists(String file) {
    try {
      return Files.exists(Path.of(file));
    } catch (InvalidPathException e) {
      return false;
    }
  }

  /** {@code netc model.net …} means {@code netc generate model.net …}. */
  private static String[] withDefaultCommand(String[] args, Set<String> commands) {
    if (args.length == 0 || args[0].startsWith("-") || commands.contains(args[0])) {
      return args;
    }
    String[] withGenerate = new String[args.length + 1];
    withGenerate[0] = "generate";
    System.arraycopy(args, 0, withGenerate, 1, args.length);
    return withGenerate;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing MODEL.net or a command");
  }

  /** Prints the netc version. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"netc " + Version.get()};
    }
  }
}
