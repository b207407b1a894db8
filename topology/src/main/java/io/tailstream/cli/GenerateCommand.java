package io.tailstream.cli;

import io.tailstream.config.DurationParser;
import io.tailstream.generate.KafkaRecordSink;
import io.tailstream.generate.TrafficGenerator;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tailstream generate}: synthetic OTLP traffic to any broker. */
@Command(name = "generate", description = "Write realistic synthetic OTLP traffic to a topic.")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--bootstrap-servers", required = true, paramLabel = "B")
  String bootstrapServers;

  @Option(names = "--topic", required = true, paramLabel = "T")
  String topic;

  @Option(names = "--traces-per-second", defaultValue = "100", paramLabel = "N")
  double tracesPerSecond;

  @Option(names = "--duration", defaultValue = "60s", paramLabel = "D",
      description = "How long to generate, e.g. 30s, 5m (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  @Option(names = "--encoding", defaultValue = "otlp_proto",
      description = "otlp_proto or otlp_json (default: ${DEFAULT-VALUE}).")
  String encoding;

  @Option(names = "--late-span-delay", defaultValue = "15s",
      description = "How long after its trace a late span is exported (default: ${DEFAULT-VALUE}).")
  String lateSpanDelay;

  @Override
  public Integer call() throws Exception {
    Duration d;
    Duration late;
    try {
      d = DurationParser.parse(duration);
      late = DurationParser.parse(lateSpanDelay);
    } catch (IllegalArgumentException e) {
      System.err.println("--duration and --late-span-delay take durations such as 30s or 5m");
      return 1;
    }
    if (!encoding.equals("otlp_proto") && !encoding.equals("otlp_json")) {
      System.err.println("--encoding must be otlp_proto or otlp_json");
      return 1;
    }
    try (KafkaRecordSink sink = new KafkaRecordSink(bootstrapServers, topic,
        encoding.equals("otlp_json"))) {
      TrafficGenerator generator = new TrafficGenerator(
          new TrafficGenerator.Settings(tracesPerSecond, d, seed, late), sink);
      Thread progress = ProgressLine.start(() -> String.format(
          "generated %,d traces, %,d spans in %,d records", generator.stats().traces(),
          generator.stats().spans(), generator.stats().records()));
      generator.run();
      progress.interrupt();
      progress.join();
      sink.flush();
      System.out.printf("%ndone: %,d traces, %,d spans in %,d records to %s; by class %s%n",
          generator.stats().traces(), generator.stats().spans(), generator.stats().records(),
          topic, generator.stats().tracesByClass());
    }
    return 0;
  }
}
