package io.tailstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The sampler as a separate JVM, started with {@code bin/tailstream run} exactly as an operator
 * would, so that it can be killed with SIGKILL or stopped with SIGTERM. Its output is appended
 * to a log file.
 */
final class SamplerProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(1)).build();

  private final Process process;
  private final int httpPort;
  private final Path log;

  private SamplerProcess(Process process, int httpPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  /** The repository root: the integration tests run in {@code integration-tests/}. */
  static Path repositoryRoot() {
    Path cwd = Path.of("").toAbsolutePath();
    return cwd.getFileName().toString().equals("integration-tests") ? cwd.getParent() : cwd;
  }

  /** A free port on the loopback interface, for the sampler's HTTP endpoint. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * Starts {@code bin/tailstream run --config CONFIG} on the jar the build just made, never
   * rebuilding it, with a small heap.
   *
   * @param httpPort the port the config binds, to probe readiness
   */
  static SamplerProcess start(Path config, int httpPort, Path log) throws IOException {
    Path root = repositoryRoot();
    Path jar = installedJar(config.getParent());
    ProcessBuilder builder = new ProcessBuilder(
        List.of("bash", root.resolve("bin/tailstream").toString(), "run", "--config",
            config.toString()));
    builder.environment().put("TAILSTREAM_JAR", jar.toString());
    builder.environment().put("TAILSTREAM_OPTS", "-Xmx256m");
    builder.environment().keySet().removeIf(k -> k.startsWith("TAILSTREAM_")
        && !k.equals("TAILSTREAM_JAR") && !k.equals("TAILSTREAM_OPTS"));
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Files.writeString(log, "\n=== start " + java.time.Instant.now() + "\n",
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    return new SamplerProcess(builder.start(), httpPort, log);
  }

  /**
   * A private copy of the runnable jar and its {@code lib/}, made once per directory, so that a
   * rebuild of the topology module while the test runs cannot change classes under a running
   * sampler.
   */
  static synchronized Path installedJar(Path dir) throws IOException {
    Path target = repositoryRoot().resolve("topology/target");
    Path jar = target.resolve("tailstream.jar");
    assertThat(jar).as("the runnable jar; build with ./mvnw -B verify").exists();
    Path copy = dir.resolve("app");
    if (!Files.exists(copy)) {
      Files.createDirectories(copy.resolve("lib"));
      try (var libs = Files.list(target.resolve("lib"))) {
        for (Path lib : (Iterable<Path>) libs::iterator) {
          Files.copy(lib, copy.resolve("lib").resolve(lib.getFileName()));
        }
      }
      Files.copy(jar, copy.resolve("tailstream.jar"));
    }
    return copy.resolve("tailstream.jar");
  }

  /** Waits until {@code /readyz} answers 200, failing the test on timeout or early exit. */
  void awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the sampler exited with " + process.exitValue()
            + " before it was ready; its log ends:\n" + tail());
      }
      if (status("/readyz") == 200) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the sampler was not ready within " + timeout + "; its log ends:\n"
        + tail());
  }

  /** The HTTP status of a path, or -1 when the endpoint does not answer. */
  int status(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + httpPort + path))
              .timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** SIGKILL: no shutdown hook, no flush, no commit. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("killed sampler exits").isTrue();
  }

  /**
   * SIGTERM: the shutdown hook closes Kafka Streams. Fails the test unless the process exits
   * within {@code bound}.
   *
   * @return how long it took
   */
  Duration terminate(Duration bound) throws InterruptedException {
    long start = System.nanoTime();
    process.destroy();
    boolean exited = process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    if (!exited) {
      process.destroyForcibly();
      throw new AssertionError("the sampler did not stop within " + bound + " of SIGTERM; log: "
          + log);
    }
    return took;
  }

  /** The last 40 lines of the log. */
  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

}
