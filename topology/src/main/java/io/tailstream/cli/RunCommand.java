package io.tailstream.cli;

import io.tailstream.app.SamplerApp;
import io.tailstream.app.TopicCheck;
import io.tailstream.config.ConfigLoader;
import io.tailstream.config.InvalidConfigException;
import io.tailstream.config.TailstreamConfig;
import io.tailstream.rules.RuleSet;
import io.tailstream.rules.RuleValidationException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tailstream run --config FILE}: the sampler. */
@Command(name = "run", description = "Run the sampler.")
final class RunCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, paramLabel = "FILE",
      description = "YAML config file; TAILSTREAM_* environment variables override its keys.")
  Path config;

  @Override
  public Integer call() throws Exception {
    TailstreamConfig cfg;
    try {
      cfg = ConfigLoader.load(config, System.getenv());
    } catch (InvalidConfigException e) {
      System.err.println(config + ": " + e.getMessage());
      return 1;
    }
    try {
      RuleSet.load(cfg.rules().file()); // fail fast, before contacting Kafka
    } catch (RuleValidationException e) {
      System.err.println(e.getMessage());
      return 1;
    }
    List<String> missing = TopicCheck.missingTopics(cfg);
    if (!missing.isEmpty()) {
      System.err.println("These topics do not exist on " + cfg.kafka().bootstrapServers() + ": "
          + String.join(", ", missing) + ". Create them first, with as many partitions for "
          + cfg.topics().spans() + " as sampler instances you may ever run.");
      return 1;
    }
    SamplerApp app;
    try {
      app = SamplerApp.start(cfg);
    } catch (RuleValidationException e) {
      System.err.println(e.getMessage());
      return 1;
    }
    // SIGTERM and SIGINT run this hook: Kafka Streams commits, closes and leaves the group within
    // SamplerApp.CLOSE_TIMEOUT, so the JVM exits in bounded time.
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "tailstream-shutdown"));
    boolean failed = app.awaitStopped();
    if (failed) {
      System.err.println("Kafka Streams stopped with an error; see the log above.");
    }
    return failed ? 1 : 0;
  }
}
