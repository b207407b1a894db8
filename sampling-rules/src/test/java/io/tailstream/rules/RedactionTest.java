package io.tailstream.rules;

import static io.tailstream.rules.TestTraces.keyValue;
import static io.tailstream.rules.TestTraces.span;
import static io.tailstream.rules.TestTraces.trace;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class RedactionTest {

  private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(UTF_8);
  private static final String RULES = "rules:\n  - name: default\n    action: keep\n";

  private final Map<String, Integer> counts = new LinkedHashMap<>();

  @Test
  void removesAttributeMatchedByKey() throws Exception {
    Redactor redactor =
        redactor("  - name: headers\n    keys: [http.request.header.cookie]\n    action: remove\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET /cart")
                .attribute("http.route", "/cart")
                .attribute("http.request.header.cookie", "session=abc")
                .attribute("http.method", "GET"));

    assertThat(span.getAttributesList())
        .containsExactly(keyValue("http.route", "/cart"), keyValue("http.method", "GET"));
    assertThat(span.getDroppedAttributesCount()).isZero();
    assertThat(counts).containsExactly(Map.entry("headers", 1));
  }

  @Test
  void masksWholeValueMatchedByKeyWithDefaultReplacement() throws Exception {
    Redactor redactor = redactor("  - name: emails\n    keys: user.email\n    action: mask\n");

    Span span = redactSpan(redactor, span("checkout", "GET").attribute("user.email", "a@b.c"));

    assertThat(span.getAttributesList()).containsExactly(keyValue("user.email", "[REDACTED]"));
  }

  @Test
  void masksWithTheGivenReplacementTakenLiterally() throws Exception {
    Redactor redactor =
        redactor("  - name: emails\n    keys: user.email\n    action: { mask: '$0 \\ ***' }\n");

    Span span = redactSpan(redactor, span("checkout", "GET").attribute("user.email", "a@b.c"));

    assertThat(span.getAttributesList()).containsExactly(keyValue("user.email", "$0 \\ ***"));
  }

  @Test
  void hashesValueMatchedByKeyWithKeyedSha256() throws Exception {
    Redactor redactor = redactor("  - name: emails\n    keys: user.email\n    action: hash\n");

    Span span = redactSpan(redactor, span("checkout", "GET").attribute("user.email", "a@b.c"));

    assertThat(span.getAttributesList()).containsExactly(keyValue("user.email", hmac("a@b.c")));
    assertThat(hmac("a@b.c")).matches("sha256:[0-9a-f]{32}");
  }

  @Test
  void hashIsStableAcrossCallsAndRedactorsWithTheSameKey() throws Exception {
    Redaction redaction = redaction("  - name: ids\n    keys: user.id\n    action: hash\n");
    byte[] input = trace().span(span("checkout", "GET").attribute("user.id", "u-42")).build()
        .toByteArray();

    byte[] first = redaction.redactor(KEY).apply(input, (entry, attributes) -> {});
    byte[] second = redaction.redactor(KEY.clone()).apply(input, (entry, attributes) -> {});

    assertThat(second).isEqualTo(first);
  }

  @Test
  void hashDependsOnTheKey() throws Exception {
    Redaction redaction = redaction("  - name: ids\n    keys: user.id\n    action: hash\n");
    byte[] input = trace().span(span("checkout", "GET").attribute("user.id", "u-42")).build()
        .toByteArray();

    String withKey = onlySpanAttribute(redaction.redactor(KEY).apply(input, this::count));
    Redactor otherKey = redaction.redactor("another key".getBytes(UTF_8));
    String withOtherKey = onlySpanAttribute(otherKey.apply(input, (entry, attributes) -> {}));

    assertThat(withKey).isEqualTo(hmac("u-42"));
    assertThat(withOtherKey).matches("sha256:[0-9a-f]{32}").isNotEqualTo(withKey);
  }

  @Test
  void redactedValuesNeverAppearInTheOutputBytes() throws Exception {
    Redactor redactor =
        redactor(
            "  - name: emails\n    keys: user.email\n    action: hash\n"
                + "  - name: tokens\n    values: 'Bearer [A-Za-z0-9._-]+'\n    action: hash\n");
    byte[] input =
        trace()
            .span(
                span("checkout", "GET")
                    .attribute("user.email", "alice@example.com")
                    .attribute("http.request.header.authorization", "Bearer eyJhbGciOi.x-y_z")
                    .resourceAttribute("user.email", "alice@example.com"))
            .build()
            .toByteArray();
    assertThat(contains(input, "alice@example.com")).isTrue();

    byte[] output = redactor.apply(input, this::count);

    assertThat(contains(output, "alice@example.com")).isFalse();
    assertThat(contains(output, "eyJhbGciOi")).isFalse();
    assertThat(contains(output, hmac("alice@example.com"))).isTrue();
    assertThat(counts).containsExactly(Map.entry("emails", 2), Map.entry("tokens", 1));
  }

  @Test
  void hashesNonStringValuesOverTheirCanonicalText() throws Exception {
    Redactor redactor = redactor("  - name: ids\n    keys: 'id.*'\n    action: hash\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET")
                .attribute("id.int", 12345L)
                .attribute("id.bool", true)
                .attribute("id.double", 2.5)
                .attribute("id.bytes", new byte[] {1, 2, 3})
                .attribute("id.array", List.of("a\"b", 7L, List.of(true)))
                .attribute("id.kvlist", Map.of("k", 1L)));

    assertThat(span.getAttributesList())
        .containsExactly(
            keyValue("id.int", hmac("12345")),
            keyValue("id.bool", hmac("true")),
            keyValue("id.double", hmac("2.5")),
            keyValue("id.bytes", hmac("AQID")),
            keyValue("id.array", hmac("[\"a\\\"b\",7,[true]]")),
            keyValue("id.kvlist", hmac("{\"k\":1}")));
  }

  @Test
  void masksOnlyTheRegexMatchesInsideStrings() throws Exception {
    Redactor redactor =
        redactor(
            "  - name: tokens\n    values: 'Bearer [A-Za-z0-9._-]+'\n"
                + "    action: { mask: 'Bearer ***' }\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET")
                .attribute("log", "auth=Bearer abc.def and Bearer xyz, done")
                .attribute("http.route", "/cart"));

    assertThat(span.getAttributesList())
        .containsExactly(
            keyValue("log", "auth=Bearer *** and Bearer ***, done"),
            keyValue("http.route", "/cart"));
    assertThat(counts).containsExactly(Map.entry("tokens", 1));
  }

  @Test
  void masksRegexMatchesWithTheDefaultReplacement() throws Exception {
    Redactor redactor = redactor("  - name: digits\n    values: '[0-9]{4}'\n    action: mask\n");

    Span span = redactSpan(redactor, span("checkout", "GET").attribute("card", "card 1234-5678"));

    assertThat(span.getAttributesList())
        .containsExactly(keyValue("card", "card [REDACTED]-[REDACTED]"));
  }

  @Test
  void hashesEachRegexMatch() throws Exception {
    Redactor redactor =
        redactor("  - name: emails\n    values: '[a-z]+@[a-z.]+'\n    action: hash\n");

    Span span =
        redactSpan(redactor, span("checkout", "GET").attribute("msg", "from a@b.c to d@e.f"));

    assertThat(span.getAttributesList())
        .containsExactly(keyValue("msg", "from " + hmac("a@b.c") + " to " + hmac("d@e.f")));
  }

  @Test
  void removesAttributeWhoseValueMatchesTheRegex() throws Exception {
    Redactor redactor = redactor("  - name: secrets\n    values: 'secret'\n    action: remove\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET")
                .attribute("note", "my secret note")
                .attribute("other", "public")
                .attribute("list", List.of("x", "top secret")));

    assertThat(span.getAttributesList()).containsExactly(keyValue("other", "public"));
    assertThat(counts).containsExactly(Map.entry("secrets", 2));
  }

  @Test
  void appliesEntryWithKeysAndValuesOnlyWhenBothMatch() throws Exception {
    Redactor redactor =
        redactor(
            "  - name: card-numbers\n    keys: ['payment.*']\n    values: '[0-9]{16}'\n"
                + "    action: mask\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET")
                .attribute("payment.note", "card 4111111111111111")
                .attribute("payment.id", "p-1")
                .attribute("comment", "card 4111111111111111"));

    assertThat(span.getAttributesList())
        .containsExactly(
            keyValue("payment.note", "card [REDACTED]"),
            keyValue("payment.id", "p-1"),
            keyValue("comment", "card 4111111111111111"));
  }

  @Test
  void matchesExactKeysAndGlobs() throws Exception {
    Redactor redactor =
        redactor(
            "  - name: pii\n"
                + "    keys: ['user.email', 'enduser.*', '*.token', 'header.?', 'a*b?c*', 'x.y']\n"
                + "    action: remove\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET")
                .attribute("user.email", "1")
                .attribute("user.emails", "kept: exact keys match in full")
                .attribute("enduser.id", "2")
                .attribute("enduser", "kept: the dot is part of the glob")
                .attribute("auth.token", "3")
                .attribute("header.a", "4")
                .attribute("header.ab", "kept: ? is one character")
                .attribute("a-b-c-d", "5")
                .attribute("abc", "kept: ? needs a character")
                .attribute("xzy", "kept: the dot is not a regex"));

    assertThat(span.getAttributesList())
        .extracting(KeyValue::getKey)
        .containsExactly("user.emails", "enduser", "header.ab", "abc", "xzy");
    assertThat(counts).containsExactly(Map.entry("pii", 5));
  }

  @Test
  void redactsResourceEventAndLinkAttributes() throws Exception {
    Redactor redactor = redactor("  - name: emails\n    keys: user.email\n    action: mask\n");
    TracesData input =
        withEventAndLink(
            trace()
                .span(
                    span("checkout", "GET")
                        .attribute("user.email", "a@b.c")
                        .resourceAttribute("user.email", "a@b.c"))
                .build(),
            keyValue("user.email", "a@b.c"));

    TracesData output = TracesData.parseFrom(redactor.apply(input.toByteArray(), this::count));

    KeyValue masked = keyValue("user.email", "[REDACTED]");
    ResourceSpans resourceSpans = output.getResourceSpans(0);
    Span span = resourceSpans.getScopeSpans(0).getSpans(0);
    assertThat(resourceSpans.getResource().getAttributesList())
        .containsExactly(keyValue("service.name", "checkout"), masked);
    assertThat(span.getAttributesList()).containsExactly(masked);
    assertThat(span.getEvents(0).getAttributesList())
        .containsExactly(keyValue("exception.type", "IOException"), masked);
    assertThat(span.getLinks(0).getAttributesList())
        .containsExactly(keyValue("link.kind", "follows"), masked);
    assertThat(counts).containsExactly(Map.entry("emails", 4));
  }

  @Test
  void leavesEverythingElseUntouched() throws Exception {
    Redactor redactor = redactor("  - name: emails\n    keys: user.email\n    action: remove\n");
    TracesData input =
        withEventAndLink(
            trace()
                .span(span("checkout", "GET").attribute("user.email", "a@b.c").attribute("n", 1L))
                .span(span("payment", "charge").error().traceState("ot=th:8"))
                .build(),
            keyValue("user.email", "a@b.c"));

    TracesData output = TracesData.parseFrom(redactor.apply(input.toByteArray(), this::count));

    TracesData.Builder expected = input.toBuilder();
    Span.Builder first = expected.getResourceSpansBuilder(0).getScopeSpansBuilder(0)
        .getSpansBuilder(0);
    first.removeAttributes(0);
    first.getEventsBuilder(0).removeAttributes(1);
    first.getLinksBuilder(0).removeAttributes(1);
    assertThat(output).isEqualTo(expected.build());
  }

  @Test
  void appliesAKeyMatchToWholeArraysAndKvlists() throws Exception {
    Redactor redactor =
        redactor(
            "  - name: ips\n    keys: 'net.*'\n    action: mask\n"
                + "  - name: headers\n    keys: headers\n    action: remove\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET")
                .attribute("net.peers", List.of("10.0.0.1", "10.0.0.2"))
                .attribute("net.info", Map.of("ip", "10.0.0.1"))
                .attribute("headers", Map.of("cookie", "x")));

    assertThat(span.getAttributesList())
        .containsExactly(keyValue("net.peers", "[REDACTED]"), keyValue("net.info", "[REDACTED]"));
  }

  @Test
  void appliesAValuesRegexToStringsInsideArraysAndKvlists() throws Exception {
    Redactor redactor = redactor("  - name: ips\n    values: '10\\.[0-9.]+'\n    action: mask\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET")
                .attribute("peers", List.of("host 10.0.0.1", 10L, "other"))
                .attribute("info", orderedMap("nested", List.of("10.1.1.1"), "port", 8080L)));

    assertThat(span.getAttributesList())
        .containsExactly(
            keyValue("peers", List.of("host [REDACTED]", 10L, "other")),
            keyValue("info", orderedMap("nested", List.of("[REDACTED]"), "port", 8080L)));
    assertThat(counts).containsExactly(Map.entry("ips", 2));
  }

  @Test
  void aValuesRegexSkipsNonStringValues() throws Exception {
    Redactor redactor = redactor("  - name: digits\n    values: '[0-9]+'\n    action: mask\n");
    byte[] input = trace().span(span("checkout", "GET").attribute("n", 1234L)).build()
        .toByteArray();

    assertThat(redactor.apply(input, this::count)).isSameAs(input);
  }

  @Test
  void theFirstMatchingEntryHandlesAnAttribute() throws Exception {
    Redactor redactor =
        redactor(
            "  - name: users\n    keys: 'user.*'\n    action: mask\n"
                + "  - name: emails\n    keys: user.email\n    action: remove\n"
                + "  - name: everything\n    values: '.'\n    action: { mask: '*' }\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET").attribute("user.email", "a@b.c").attribute("x", "ab"));

    assertThat(span.getAttributesList())
        .containsExactly(keyValue("user.email", "[REDACTED]"), keyValue("x", "**"));
    // The resource's service.name is the other attribute that 'everything' masks.
    assertThat(counts).containsExactly(Map.entry("users", 1), Map.entry("everything", 2));
  }

  @Test
  void anEntryWhoseValuesRegexDoesNotMatchLeavesTheAttributeToLaterEntries() throws Exception {
    Redactor redactor =
        redactor(
            "  - name: tokens\n    keys: auth\n    values: '^Bearer .+'\n    action: remove\n"
                + "  - name: auth\n    keys: auth\n    action: hash\n");

    Span span =
        redactSpan(
            redactor,
            span("checkout", "GET").attribute("auth", "Basic dXNlcg=="));

    assertThat(span.getAttributesList()).containsExactly(keyValue("auth", hmac("Basic dXNlcg==")));
    assertThat(counts).containsExactly(Map.entry("auth", 1));
  }

  @Test
  void returnsTheSameArrayWhenNothingMatches() throws Exception {
    Redactor redactor =
        redactor(
            "  - name: emails\n    keys: ['user.email', 'enduser.*']\n    action: hash\n"
                + "  - name: tokens\n    values: 'Bearer .+'\n    action: remove\n");
    byte[] input =
        withEventAndLink(
                trace().span(span("checkout", "GET").attribute("http.route", "/cart")).build(),
                keyValue("note", "no token here"))
            .toByteArray();

    assertThat(redactor.apply(input, this::count)).isSameAs(input);
    assertThat(counts).isEmpty();
  }

  @Test
  void returnsTheSameArrayWhenAMaskLeavesTheValueAsItWas() throws Exception {
    Redactor redactor = redactor("  - name: emails\n    keys: user.email\n    action: mask\n");
    byte[] input =
        trace().span(span("checkout", "GET").attribute("user.email", "[REDACTED]")).build()
            .toByteArray();

    assertThat(redactor.apply(input, this::count)).isSameAs(input);
    assertThat(counts).isEmpty();
  }

  @Test
  void emptyMatchesChangeNothing() throws Exception {
    Redactor redactor = redactor("  - name: boundaries\n    values: '\\b'\n    action: mask\n");
    byte[] input = trace().span(span("checkout", "GET").attribute("msg", "a b")).build()
        .toByteArray();

    assertThat(redactor.apply(input, this::count)).isSameAs(input);
  }

  @Test
  void anEmptyRedactionReturnsItsInputWithoutParsingIt() {
    byte[] notProtobuf = {(byte) 0xff, (byte) 0xff};

    assertThat(Redaction.NONE.redactor(null).apply(notProtobuf, this::count)).isSameAs(notProtobuf);
  }

  @Test
  void rejectsInputThatIsNotTracesData() throws Exception {
    Redactor redactor = redactor("  - name: emails\n    keys: user.email\n    action: mask\n");

    assertThatThrownBy(() -> redactor.apply(new byte[] {0x0a, 0x05, 0x01}, this::count))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tracesData is not an OTLP TracesData: ");
  }

  @Test
  void requiresAHashKeyOnlyWhenAnEntryHashes() throws Exception {
    Redaction hashing =
        redaction(
            "  - name: headers\n    keys: 'header.*'\n    action: remove\n"
                + "  - name: emails\n    keys: user.email\n    action: hash\n");
    Redaction notHashing =
        redaction("  - name: headers\n    keys: 'header.*'\n    action: remove\n");

    assertThat(hashing.usesHash()).isTrue();
    assertThat(notHashing.usesHash()).isFalse();
    assertThatThrownBy(() -> hashing.redactor(null))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("redact entry 'emails' hashes values but no hash key is configured");
    assertThatThrownBy(() -> hashing.redactor(new byte[0]))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("redact entry 'emails' hashes values but no hash key is configured");
    assertThat(notHashing.redactor(null)).isNotNull();
  }

  @Test
  void copiesTheHashKey() throws Exception {
    byte[] key = KEY.clone();
    Redactor redactor =
        redaction("  - name: ids\n    keys: user.id\n    action: hash\n").redactor(key);
    key[0]++;

    Span span = redactSpan(redactor, span("checkout", "GET").attribute("user.id", "u-1"));

    assertThat(span.getAttributesList()).containsExactly(keyValue("user.id", hmac("u-1")));
  }

  @Test
  void exposesEntryNamesInFileOrder() throws Exception {
    Redaction redaction =
        redaction(
            "  - name: tokens\n    values: 'x+'\n    action: remove\n"
                + "  - name: emails\n    keys: user.email\n    action: hash\n");

    assertThat(redaction.isEmpty()).isFalse();
    assertThat(redaction.entryNames()).containsExactly("tokens", "emails");
    assertThat(RuleSet.parse(RULES, "rules.yaml").redaction()).isSameAs(Redaction.NONE);
    assertThat(RuleSet.parse("redact:\n" + RULES, "rules.yaml").redaction().isEmpty()).isTrue();
    assertThat(Redaction.NONE.entryNames()).isEmpty();
  }

  @Test
  void givesTheSameResultOnManyThreadsAtOnce() throws Exception {
    Redactor redactor =
        redactor(
            "  - name: emails\n    keys: user.email\n    action: hash\n"
                + "  - name: tokens\n    values: 'tok-[0-9]+'\n    action: hash\n");
    List<byte[]> inputs = new ArrayList<>();
    List<byte[]> expected = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      byte[] input =
          trace()
              .span(
                  span("checkout", "GET")
                      .attribute("user.email", "user" + i + "@example.com")
                      .attribute("msg", "tok-" + i + " and tok-" + (i + 1)))
              .build()
              .toByteArray();
      inputs.add(input);
      expected.add(redactor.apply(input, (entry, attributes) -> {}));
    }
    ExecutorService executor = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int thread = 0; thread < 4; thread++) {
        results.add(
            executor.submit(
                () -> {
                  for (int round = 0; round < 20; round++) {
                    for (int i = 0; i < inputs.size(); i++) {
                      byte[] output = redactor.apply(inputs.get(i), (entry, attributes) -> {});
                      if (!Arrays.equals(output, expected.get(i))) {
                        return false;
                      }
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      executor.shutdownNow();
    }
  }

  private Redactor redactor(String entries) throws RuleValidationException {
    return redaction(entries).redactor(KEY);
  }

  private static Redaction redaction(String entries) throws RuleValidationException {
    return RuleSet.parse("redact:\n" + entries + RULES, "rules.yaml").redaction();
  }

  private Span redactSpan(Redactor redactor, TestTraces.SpanBuilder span) throws Exception {
    byte[] output = redactor.apply(trace().span(span).build().toByteArray(), this::count);
    return TracesData.parseFrom(output).getResourceSpans(0).getScopeSpans(0).getSpans(0);
  }

  private String onlySpanAttribute(byte[] tracesData) throws Exception {
    return TracesData.parseFrom(tracesData)
        .getResourceSpans(0)
        .getScopeSpans(0)
        .getSpans(0)
        .getAttributes(0)
        .getValue()
        .getStringValue();
  }

  private void count(String entry, int attributes) {
    assertThat(counts).as("one call per entry").doesNotContainKey(entry);
    assertThat(attributes).isPositive();
    counts.put(entry, attributes);
  }

  /** Gives the first span an event and a link, each with {@code extra} after an attribute. */
  private static TracesData withEventAndLink(TracesData data, KeyValue extra) {
    TracesData.Builder builder = data.toBuilder();
    builder
        .getResourceSpansBuilder(0)
        .getScopeSpansBuilder(0)
        .getSpansBuilder(0)
        .addEvents(
            Span.Event.newBuilder()
                .setName("exception")
                .setTimeUnixNano(TestTraces.BASE_START_NANOS + 5)
                .addAttributes(keyValue("exception.type", "IOException"))
                .addAttributes(extra))
        .addLinks(
            Span.Link.newBuilder()
                .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(TestTraces.TRACE_ID)))
                .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex("00000000000000aa")))
                .addAttributes(keyValue("link.kind", "follows"))
                .addAttributes(extra));
    return builder.build();
  }

  /** The expected hash, computed independently of the redactor. */
  private static String hmac(String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
      byte[] digest = mac.doFinal(text.getBytes(UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static boolean contains(byte[] bytes, String text) {
    byte[] needle = text.getBytes(UTF_8);
    outer:
    for (int i = 0; i + needle.length <= bytes.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static Map<String, Object> orderedMap(
      String key1, Object value1, String key2, Object value2) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put(key1, value1);
    map.put(key2, value2);
    return map;
  }
}
