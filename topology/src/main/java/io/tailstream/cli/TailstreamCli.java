package io.tailstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tailstream} command line. */
@Command(
    name = "tailstream",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Tail-based trace sampler on Kafka Streams.",
    subcommands = {
      RunCommand.class,
      DemoCommand.class,
      GenerateCommand.class,
      RulesCommand.class,
      CommandLine.HelpCommand.class
    })
public final class TailstreamCli {
  private TailstreamCli() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("demo") && System.getProperty("kafka.log.level") == null) {
      // The embedded broker's retry warnings are noise in a demo; set before logging starts.
      System.setProperty("kafka.log.level", "ERROR");
    }
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code instead of exiting. */
  public static int execute(String... args) {
    return new CommandLine(new TailstreamCli()).execute(args);
  }
}
