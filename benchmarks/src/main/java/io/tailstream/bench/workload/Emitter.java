package io.tailstream.bench.workload;

import static io.tailstream.bench.workload.Attributes.attribute;

import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Who emitted a span: one instance of a service, with the resource attributes a Java service on
 * Kubernetes exports (25), and the instrumentation scope that made the span.
 *
 * @param service the service name
 * @param resource the instance's OTLP resource
 * @param scope the instrumentation scope
 */
public record Emitter(String service, Resource resource, Scope scope) {

  /** Instrumentation scopes of the OpenTelemetry Java agent, one per kind of span. */
  public enum Scope {
    HTTP_SERVER("io.opentelemetry.tomcat-10.0", "2.10.0-alpha"),
    HTTP_CLIENT("io.opentelemetry.java-http-client", "2.10.0-alpha"),
    JDBC("io.opentelemetry.jdbc", "2.10.0-alpha"),
    REDIS("io.opentelemetry.lettuce-5.1", "2.10.0-alpha"),
    KAFKA("io.opentelemetry.kafka-clients-2.6", "2.10.0-alpha"),
    INTERNAL("io.opentelemetry.opentelemetry-instrumentation-annotations-1.16", "2.10.0-alpha");

    private final InstrumentationScope proto;

    Scope(String name, String version) {
      this.proto = InstrumentationScope.newBuilder().setName(name).setVersion(version).build();
    }

    /** The OTLP instrumentation scope. */
    public InstrumentationScope proto() {
      return proto;
    }
  }

  /** The services of the synthetic shop. The first one receives every request. */
  static final String[] SERVICES = {
      "frontend", "catalog", "cart", "checkout", "payment", "inventory", "shipping",
      "recommendation", "currency", "email", "auth", "search"};

  /** Instances per service; each exports with its own resource. */
  static final int INSTANCES = 3;

  /** Prebuilt resources, {@code [service][instance]}, identical for every generator. */
  static final Resource[][] RESOURCES = buildResources();

  private static final Emitter[][][] EMITTERS = buildEmitters();

  /** The shared emitter of a service instance and scope. */
  static Emitter of(int service, int instance, Scope scope) {
    return EMITTERS[service][instance][scope.ordinal()];
  }

  private static Emitter[][][] buildEmitters() {
    Emitter[][][] out = new Emitter[SERVICES.length][INSTANCES][Scope.values().length];
    for (int s = 0; s < SERVICES.length; s++) {
      for (int i = 0; i < INSTANCES; i++) {
        for (Scope scope : Scope.values()) {
          out[s][i][scope.ordinal()] = new Emitter(SERVICES[s], RESOURCES[s][i], scope);
        }
      }
    }
    return out;
  }

  private static Resource[][] buildResources() {
    // A fixed seed: resources are part of the workload's definition, not of a run.
    Random random = new Random(0x7e50L);
    Resource[][] out = new Resource[SERVICES.length][INSTANCES];
    for (int s = 0; s < SERVICES.length; s++) {
      String service = SERVICES[s];
      for (int i = 0; i < INSTANCES; i++) {
        String pod = service + "-" + Long.toHexString(0x5f0000000L + random.nextInt(1 << 28))
            + "-" + (char) ('a' + random.nextInt(26)) + (char) ('a' + random.nextInt(26))
            + random.nextInt(10) + (char) ('a' + random.nextInt(26)) + random.nextInt(10);
        List<Object> kv = new ArrayList<>(List.of(
            "service.name", service,
            "service.namespace", "shop",
            "service.version", "1." + random.nextInt(20) + "." + random.nextInt(10),
            "service.instance.id", uuid(random),
            "deployment.environment.name", "production",
            "host.name", pod,
            "host.arch", "amd64",
            "os.type", "linux",
            "os.description", "Linux 6.1.0-27-cloud-amd64",
            "process.pid", 1L,
            "process.runtime.name", "OpenJDK Runtime Environment",
            "process.runtime.version", "17.0.15+6-LTS",
            "process.executable.path", "/opt/java/openjdk/bin/java",
            "telemetry.sdk.name", "opentelemetry",
            "telemetry.sdk.language", "java",
            "telemetry.sdk.version", "1.44.1",
            "telemetry.distro.name", "opentelemetry-java-instrumentation",
            "telemetry.distro.version", "2.10.0",
            "k8s.namespace.name", "shop",
            "k8s.deployment.name", service,
            "k8s.pod.name", pod,
            "k8s.node.name", "ip-10-0-" + random.nextInt(64) + "-" + random.nextInt(256)
                + ".eu-west-1.compute.internal",
            "cloud.provider", "aws",
            "cloud.region", "eu-west-1",
            "container.id", Long.toHexString(random.nextLong()) + Long.toHexString(
                random.nextLong())));
        Resource.Builder r = Resource.newBuilder();
        for (int k = 0; k < kv.size(); k += 2) {
          r.addAttributes(attribute((String) kv.get(k), kv.get(k + 1)));
        }
        out[s][i] = r.build();
      }
    }
    return out;
  }

  private static String uuid(Random random) {
    return String.format(Locale.ROOT, "%08x-%04x-4%03x-a%03x-%012x", random.nextInt(),
        random.nextInt(1 << 16), random.nextInt(1 << 12), random.nextInt(1 << 12),
        random.nextLong() & 0xffffffffffffL);
  }
}
