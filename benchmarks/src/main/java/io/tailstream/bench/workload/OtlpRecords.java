package io.tailstream.bench.workload;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.tailstream.bench.workload.SyntheticTrace.EmittedSpan;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Groups spans the way an OpenTelemetry Collector batches them: by resource, then by scope. */
public final class OtlpRecords {
  private OtlpRecords() {}

  /** An {@code ExportTraceServiceRequest} holding {@code spans}. */
  public static ExportTraceServiceRequest request(List<EmittedSpan> spans) {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    group(spans).forEach((resource, scopes) -> {
      ResourceSpans.Builder rs = request.addResourceSpansBuilder().setResource(resource);
      scopes.values().forEach(rs::addScopeSpans);
    });
    return request.build();
  }

  /** A {@code TracesData} holding {@code spans}; the same bytes as {@link #request}. */
  public static TracesData tracesData(List<EmittedSpan> spans) {
    TracesData.Builder data = TracesData.newBuilder();
    group(spans).forEach((resource, scopes) -> {
      ResourceSpans.Builder rs = data.addResourceSpansBuilder().setResource(resource);
      scopes.values().forEach(rs::addScopeSpans);
    });
    return data.build();
  }

  private static Map<Resource, Map<Emitter.Scope, ScopeSpans.Builder>> group(
      List<EmittedSpan> spans) {
    // In first-seen order, so that a seed always gives the same bytes. Resources are shared
    // instances with memoized hash codes, so the lookups stay cheap.
    Map<Resource, Map<Emitter.Scope, ScopeSpans.Builder>> byResource = new LinkedHashMap<>();
    for (EmittedSpan s : spans) {
      byResource.computeIfAbsent(s.emitter().resource(), r -> new EnumMap<>(Emitter.Scope.class))
          .computeIfAbsent(s.emitter().scope(),
              scope -> ScopeSpans.newBuilder().setScope(scope.proto()))
          .addSpans(s.span());
    }
    return byResource;
  }
}
