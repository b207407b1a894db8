package io.tailstream.emit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TracePartsTest {
  static final ByteString TRACE_ID = ByteString.copyFrom(new byte[16]);

  static Span span(int id, int padding) {
    Span.Builder b = Span.newBuilder().setTraceId(TRACE_ID)
        .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) id}))
        .setName("op " + id).setStartTimeUnixNano(1).setEndTimeUnixNano(2);
    if (padding > 0) {
      b.addAttributes(KeyValue.newBuilder().setKey("pad")
          .setValue(AnyValue.newBuilder().setStringValue("x".repeat(padding))));
    }
    return b.build();
  }

  static ResourceSpans.Builder resource(String service) {
    return ResourceSpans.newBuilder().setSchemaUrl("https://opentelemetry.io/schemas/1.24.0")
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder()
            .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(service))));
  }

  static ScopeSpans.Builder scope(String name) {
    return ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName(name)
        .setVersion("1.0")).setSchemaUrl("scope-schema");
  }

  /** Every span of a TracesData with its service and scope names, in order. */
  static List<String> flatten(TracesData data) {
    List<String> out = new ArrayList<>();
    for (ResourceSpans rs : data.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          out.add(rs.getResource().getAttributes(0).getValue().getStringValue() + "|"
              + rs.getSchemaUrl() + "|" + ss.getScope().getName() + "|" + ss.getSchemaUrl() + "|"
              + s.toByteString().toStringUtf8());
        }
      }
    }
    return out;
  }

  @Test
  void splitsBetweenSpansIntoValidPartsThatFitAndKeepEverySpanOnceInOrder() throws Exception {
    Random random = new Random(42);
    TracesData.Builder data = TracesData.newBuilder();
    int id = 0;
    for (int r = 0; r < 4; r++) {
      ResourceSpans.Builder rs = resource("svc" + r);
      for (int s = 0; s < 3; s++) {
        ScopeSpans.Builder ss = scope("scope" + s);
        for (int i = 0; i < 10; i++) {
          ss.addSpans(span(++id, random.nextInt(300)));
        }
        rs.addScopeSpans(ss);
      }
      data.addResourceSpans(rs);
    }
    TracesData trace = data.build();

    TraceParts.Split split = TraceParts.split(trace.toByteArray(), 1000);

    assertThat(split.oversized()).isEmpty();
    assertThat(split.parts().size()).isGreaterThan(5);
    List<String> spans = new ArrayList<>();
    for (byte[] part : split.parts()) {
      assertThat(part.length).isLessThanOrEqualTo(1000);
      TracesData parsed = TracesData.parseFrom(part);
      // Same fields, same bytes; only the order of fields within a message may differ.
      assertThat(parsed.getSerializedSize()).isEqualTo(part.length);
      assertThat(parsed.getUnknownFields().asMap()).isEmpty();
      spans.addAll(flatten(parsed));
    }
    assertThat(spans).containsExactlyElementsOf(flatten(trace));
  }

  @Test
  void fillsPartsUpToTheLimitExactly() throws Exception {
    TracesData one = TracesData.newBuilder()
        .addResourceSpans(resource("a").addScopeSpans(scope("s").addSpans(span(1, 100)))).build();
    int limit = one.getSerializedSize();

    assertThat(TraceParts.split(one.toByteArray(), limit).parts()).hasSize(1);
    TraceParts.Split tooSmall = TraceParts.split(one.toByteArray(), limit - 1);
    assertThat(tooSmall.parts()).isEmpty();
    assertThat(tooSmall.oversized()).hasSize(1);
  }

  @Test
  void reducesASpanThatFitsNoPartToItsIdentity() throws Exception {
    TracesData trace = TracesData.newBuilder()
        .addResourceSpans(resource("a").addScopeSpans(scope("s")
            .addSpans(span(1, 10)).addSpans(span(2, 5000)).addSpans(span(3, 10))))
        .build();

    TraceParts.Split split = TraceParts.split(trace.toByteArray(), 1000);

    assertThat(split.parts()).hasSize(2);
    assertThat(TracesData.parseFrom(split.parts().get(0)).getResourceSpans(0).getScopeSpans(0)
        .getSpans(0).getName()).isEqualTo("op 1");
    assertThat(TracesData.parseFrom(split.parts().get(1)).getResourceSpans(0).getScopeSpans(0)
        .getSpans(0).getName()).isEqualTo("op 3");
    TraceParts.OversizedSpan big = split.oversized().get(0);
    assertThat(big.spanIdHex()).isEqualTo("0000000000000002");
    assertThat(big.encodedBytes()).isGreaterThan(5000);
    TracesData summary = TracesData.parseFrom(big.summary());
    ResourceSpans rs = summary.getResourceSpans(0);
    assertThat(rs.getResource()).isEqualTo(trace.getResourceSpans(0).getResource());
    assertThat(rs.getScopeSpans(0).getScope().getName()).isEqualTo("s");
    assertThat(rs.getScopeSpans(0).getSpans(0))
        .isEqualTo(span(2, 0)); // the same span without its attributes
  }

  @Test
  void dropsTheResourceFromASummaryWhenEvenThatIsTooLarge() throws Exception {
    ResourceSpans.Builder hugeResource = resource("a");
    hugeResource.getResourceBuilder().addAttributes(KeyValue.newBuilder().setKey("blob")
        .setValue(AnyValue.newBuilder().setStringValue("y".repeat(3000))));
    TracesData trace = TracesData.newBuilder()
        .addResourceSpans(hugeResource.addScopeSpans(scope("s").addSpans(span(7, 0)))).build();

    TraceParts.Split split = TraceParts.split(trace.toByteArray(), 1000);

    assertThat(split.parts()).isEmpty();
    TracesData summary = TracesData.parseFrom(split.oversized().get(0).summary());
    assertThat(summary.getResourceSpans(0).hasResource()).isFalse();
    assertThat(summary.getResourceSpans(0).getScopeSpans(0).getSpans(0)).isEqualTo(span(7, 0));
  }

  @Test
  void leavesOutResourcesAndScopesWithoutSpans() throws Exception {
    TracesData trace = TracesData.newBuilder()
        .addResourceSpans(resource("empty"))
        .addResourceSpans(resource("a").addScopeSpans(scope("none"))
            .addScopeSpans(scope("s").addSpans(span(1, 0))))
        .build();

    TracesData part = TracesData.parseFrom(TraceParts.split(trace.toByteArray(), 1000).parts()
        .get(0));

    assertThat(part.getResourceSpansCount()).isEqualTo(1);
    assertThat(part.getResourceSpans(0).getScopeSpansCount()).isEqualTo(1);
    assertThat(part.getResourceSpans(0).getScopeSpans(0).getScope().getName()).isEqualTo("s");
  }

  @Test
  void rejectsBytesThatAreNotTracesData() {
    byte[] truncated = TracesData.newBuilder().addResourceSpans(resource("a")
        .addScopeSpans(scope("s").addSpans(span(1, 100)))).build().toByteArray();
    byte[] cut = java.util.Arrays.copyOf(truncated, truncated.length - 10);
    assertThatThrownBy(() -> TraceParts.split(cut, 1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a valid TracesData");
  }
}
