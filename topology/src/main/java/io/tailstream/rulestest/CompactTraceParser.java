package io.tailstream.rulestest;

import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import io.tailstream.rules.CompletionReason;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a compact trace from its YAML node, reporting every problem at its position:
 *
 * <pre>{@code
 * completion: idle                 # optional: idle (default), root, max_age, span_limit
 * trace-id: 4bf92f3577b34da6a3ce929d0e0e4736   # optional
 * spans:
 *   - id: a                        # optional local name, for parent
 *     service: checkout
 *     name: POST /checkout
 *     duration: 120ms
 *     kind: SERVER                 # optional
 *     start: 0ms                   # optional offset from the trace start
 *     status: ERROR                # optional: OK, ERROR, UNSET (default)
 *     attributes: { http.route: /checkout, http.status_code: 500 }
 *     resource: { deployment.environment: prod }
 *     trace-state: ot=rv:00000000000000   # optional
 *   - { id: b, parent: a, service: payments, name: charge, duration: 80ms }
 * }</pre>
 *
 * <p>A span without {@code parent} is a root. A {@code parent} that is 16 hex digits and names no
 * span is the ID of a span outside the trace, for traces whose root has not arrived.
 */
final class CompactTraceParser {

  static final String COMPLETION = "completion";
  static final String TRACE_ID = "trace-id";
  static final String SPANS = "spans";

  private static final Set<String> TRACE_KEYS = Set.of(COMPLETION, TRACE_ID, SPANS);
  private static final String TRACE_HINT = "completion, trace-id and spans";
  private static final Set<String> SPAN_KEYS =
      Set.of(
          "id",
          "parent",
          "service",
          "name",
          "kind",
          "duration",
          "start",
          "status",
          "attributes",
          "resource",
          "trace-state");
  private static final String SPAN_HINT =
      "id, parent, service, name, kind, duration, start, status, attributes, resource and"
          + " trace-state";
  private static final Pattern TRACE_ID_FORMAT = Pattern.compile("[0-9a-fA-F]{32}");
  private static final Map<String, CompletionReason> COMPLETIONS = new LinkedHashMap<>();
  private static final Map<String, SpanKind> KINDS = new LinkedHashMap<>();
  private static final Map<String, StatusCode> STATUSES = new LinkedHashMap<>();

  static {
    for (CompletionReason reason : CompletionReason.values()) {
      COMPLETIONS.put(reason.label(), reason);
    }
    KINDS.put("INTERNAL", SpanKind.SPAN_KIND_INTERNAL);
    KINDS.put("SERVER", SpanKind.SPAN_KIND_SERVER);
    KINDS.put("CLIENT", SpanKind.SPAN_KIND_CLIENT);
    KINDS.put("PRODUCER", SpanKind.SPAN_KIND_PRODUCER);
    KINDS.put("CONSUMER", SpanKind.SPAN_KIND_CONSUMER);
    KINDS.put("UNSPECIFIED", SpanKind.SPAN_KIND_UNSPECIFIED);
    STATUSES.put("UNSET", StatusCode.STATUS_CODE_UNSET);
    STATUSES.put("OK", StatusCode.STATUS_CODE_OK);
    STATUSES.put("ERROR", StatusCode.STATUS_CODE_ERROR);
  }

  private final YamlProblems problems;
  private final ScalarConstructor scalars = new ScalarConstructor();

  private CompactTraceParser(YamlProblems problems) {
    this.problems = problems;
  }

  /**
   * Reads a compact trace; returns null after reporting its problems.
   *
   * @param node the trace's mapping
   * @param traceIdSeed what the trace ID is derived from when the trace gives none
   * @param problems where problems go
   */
  static CompactTrace parse(Node node, String traceIdSeed, YamlProblems problems) {
    return new CompactTraceParser(problems).trace(node, traceIdSeed);
  }

  /** Reads a completion reason label; returns null after reporting anything else. */
  static CompletionReason completion(Node node, YamlProblems problems) {
    String text = problems.text(node, "'completion'");
    if (text == null) {
      return null;
    }
    CompletionReason reason = COMPLETIONS.get(text);
    if (reason == null) {
      problems.at(
          node,
          "unknown completion '" + text + "': use " + String.join(", ", COMPLETIONS.keySet()));
    }
    return reason;
  }

  private CompactTrace trace(Node node, String traceIdSeed) {
    Map<String, Node> keys = problems.mapping(node, "a trace", TRACE_KEYS, TRACE_HINT);
    if (keys == null) {
      return null;
    }
    boolean valid = true;
    CompletionReason completion = CompletionReason.IDLE;
    if (keys.containsKey(COMPLETION)) {
      completion = completion(keys.get(COMPLETION), problems);
      valid = completion != null;
    }
    String traceId = CompactTrace.traceIdFor(traceIdSeed);
    if (keys.containsKey(TRACE_ID)) {
      traceId = traceId(keys.get(TRACE_ID));
      valid &= traceId != null;
    }
    Node spansNode = keys.get(SPANS);
    if (spansNode == null) {
      problems.at(node, "a trace needs 'spans'");
      return null;
    }
    if (!(spansNode instanceof SequenceNode) || ((SequenceNode) spansNode).getValue().isEmpty()) {
      problems.at(spansNode, "'spans' must be a list of at least one span");
      return null;
    }
    List<Node> spanNodes = ((SequenceNode) spansNode).getValue();
    List<CompactSpan> spans = new ArrayList<>(spanNodes.size());
    Map<String, Node> idNodes = new HashMap<>();
    List<ParentLink> links = new ArrayList<>();
    for (Node spanNode : spanNodes) {
      CompactSpan span = span(spanNode, idNodes, links);
      if (span == null) {
        valid = false;
      } else {
        spans.add(span);
      }
    }
    valid &= checkParents(links, idNodes.keySet());
    if (!valid) {
      return null;
    }
    try {
      return new CompactTrace(completion, traceId, spans);
    } catch (IllegalArgumentException e) {
      // Only conflicting resource attributes are left to find here; they have no one position.
      problems.at(spansNode, e.getMessage());
      return null;
    }
  }

  private String traceId(Node node) {
    String text = problems.text(node, "'trace-id'");
    if (text == null) {
      return null;
    }
    if (!TRACE_ID_FORMAT.matcher(text).matches()) {
      problems.at(node, "trace-id was '" + text + "' but it must be 32 hex digits");
      return null;
    }
    if (text.chars().allMatch(c -> c == '0')) {
      problems.at(node, "trace-id must not be all zeros");
      return null;
    }
    return text.toLowerCase(Locale.ROOT);
  }

  /**
   * A span's {@code parent}, kept for every span that has one, even a span with problems.
   *
   * @param id the span's id, or null
   * @param parent the parent's id
   * @param node where the parent is written
   */
  private record ParentLink(String id, String parent, Node node) {}

  private CompactSpan span(Node node, Map<String, Node> idNodes, List<ParentLink> links) {
    Map<String, Node> keys = problems.mapping(node, "a span", SPAN_KEYS, SPAN_HINT);
    if (keys == null) {
      return null;
    }
    boolean valid = true;
    String id = null;
    if (keys.containsKey("id")) {
      Node idNode = keys.get("id");
      id = problems.nonBlankText(idNode, "a span 'id'");
      if (id != null && idNodes.containsKey(id)) {
        problems.at(
            idNode,
            "duplicate span id '"
                + id
                + "' (first used at line "
                + (idNodes.get(id).getStartMark().getLine() + 1)
                + ")");
        id = null;
      } else if (id != null) {
        idNodes.put(id, idNode);
      }
      valid = id != null;
    }
    String parent = null;
    if (keys.containsKey("parent")) {
      parent = problems.nonBlankText(keys.get("parent"), "'parent'");
      valid &= parent != null;
      if (parent != null) {
        links.add(new ParentLink(id, parent, keys.get("parent")));
      }
    }
    String service = required(node, keys, "service");
    String name = required(node, keys, "name");
    Duration duration = null;
    if (!keys.containsKey("duration")) {
      problems.at(node, "a span needs a 'duration', like 120ms");
    } else {
      duration = duration(keys.get("duration"), "'duration'");
    }
    Duration start = Duration.ZERO;
    if (keys.containsKey("start")) {
      start = duration(keys.get("start"), "'start'");
      valid &= start != null;
    }
    SpanKind kind = null;
    if (keys.containsKey("kind")) {
      kind = choice(keys.get("kind"), "kind", KINDS);
      valid &= kind != null;
    }
    StatusCode status = StatusCode.STATUS_CODE_UNSET;
    if (keys.containsKey("status")) {
      status = choice(keys.get("status"), "status", STATUSES);
      valid &= status != null;
    }
    Map<String, Object> attributes = Map.of();
    if (keys.containsKey("attributes")) {
      attributes = attributes(keys.get("attributes"), "'attributes'");
      valid &= attributes != null;
    }
    Map<String, Object> resource = Map.of();
    if (keys.containsKey("resource")) {
      resource = attributes(keys.get("resource"), "'resource'");
      valid &= resource != null;
    }
    String traceState = "";
    if (keys.containsKey("trace-state")) {
      traceState = problems.text(keys.get("trace-state"), "'trace-state'");
      valid &= traceState != null;
    }
    if (!valid || service == null || name == null || duration == null) {
      return null;
    }
    return new CompactSpan(
        id, parent, service, name, kind, start, duration, status, attributes, resource, traceState);
  }

  private String required(Node span, Map<String, Node> keys, String key) {
    if (!keys.containsKey(key)) {
      problems.at(span, "a span needs a '" + key + "'");
      return null;
    }
    return problems.nonBlankText(keys.get(key), "'" + key + "'");
  }

  private Duration duration(Node node, String what) {
    String text = problems.text(node, what);
    if (text == null) {
      return null;
    }
    try {
      return GoDuration.parse(text);
    } catch (IllegalArgumentException e) {
      problems.at(
          node, what + " was '" + text + "' but it must be a duration like 120ms, 1.5s or 1m30s");
      return null;
    }
  }

  private <T> T choice(Node node, String what, Map<String, T> choices) {
    String text = problems.text(node, "'" + what + "'");
    if (text == null) {
      return null;
    }
    T value = choices.get(text.toUpperCase(Locale.ROOT));
    if (value == null) {
      problems.at(
          node, "unknown " + what + " '" + text + "': use " + String.join(", ", choices.keySet()));
    }
    return value;
  }

  /** Checks that parents name spans, and that no span is its own ancestor. */
  private boolean checkParents(List<ParentLink> links, Set<String> ids) {
    Map<String, ParentLink> linkById = new HashMap<>();
    boolean valid = true;
    for (ParentLink link : links) {
      if (!ids.contains(link.parent()) && !CompactTrace.isExternalSpanId(link.parent())) {
        problems.at(
            link.node(),
            "no span has the id '"
                + link.parent()
                + "'; for a parent outside the trace, give its 16-hex-digit span ID");
        valid = false;
      } else if (link.id() != null) {
        linkById.put(link.id(), link);
      }
    }
    for (ParentLink link : linkById.values()) {
      Set<String> seen = new HashSet<>();
      String ancestor = link.parent();
      while (ancestor != null && !ancestor.equals(link.id()) && seen.add(ancestor)) {
        ParentLink next = linkById.get(ancestor);
        ancestor = next == null ? null : next.parent();
      }
      if (link.id().equals(ancestor)) {
        problems.at(
            link.node(), "span '" + link.id() + "' is its own ancestor: parents must form a tree");
        valid = false;
      }
    }
    return valid;
  }

  private Map<String, Object> attributes(Node node, String what) {
    if (!(node instanceof MappingNode)) {
      problems.at(node, what + " must be a mapping of attribute names to values");
      return null;
    }
    Map<String, Object> attributes = new LinkedHashMap<>();
    boolean valid = true;
    for (NodeTuple tuple : ((MappingNode) node).getValue()) {
      String key = problems.text(tuple.getKeyNode(), "an attribute name");
      if (key == null) {
        valid = false;
        continue;
      }
      if (attributes.containsKey(key)) {
        problems.at(tuple.getKeyNode(), "duplicate attribute '" + key + "'");
        valid = false;
        continue;
      }
      Object value = value(tuple.getValueNode());
      if (value == null) {
        valid = false;
      } else {
        attributes.put(key, value);
      }
    }
    return valid ? attributes : null;
  }

  /** Converts a YAML value to an attribute value; returns null after reporting a problem. */
  private Object value(Node node) {
    if (node instanceof SequenceNode) {
      List<Object> list = new ArrayList<>();
      boolean valid = true;
      for (Node element : ((SequenceNode) node).getValue()) {
        Object value = value(element);
        valid &= value != null;
        list.add(value);
      }
      return valid ? List.copyOf(list) : null;
    }
    if (node instanceof MappingNode) {
      return attributes(node, "a map attribute value");
    }
    if (YamlProblems.isNull(node)) {
      problems.at(node, "an attribute value must not be null");
      return null;
    }
    ScalarNode scalar = (ScalarNode) node;
    Object value;
    try {
      value = scalars.construct(scalar);
    } catch (YAMLException | NumberFormatException e) {
      problems.at(node, "invalid value '" + scalar.getValue() + "': " + e.getMessage());
      return null;
    }
    if (value instanceof Integer) {
      return ((Integer) value).longValue();
    } else if (value instanceof BigInteger) {
      problems.at(node, "int value " + scalar.getValue() + " is out of the 64-bit range");
      return null;
    } else if (value instanceof Float) {
      return ((Float) value).doubleValue();
    } else if (value instanceof Date) {
      // OTLP has no timestamp value; keep what was written.
      return scalar.getValue();
    } else if (value instanceof String
        || value instanceof Long
        || value instanceof Double
        || value instanceof Boolean
        || value instanceof byte[]) {
      return value;
    }
    return scalar.getValue();
  }

  /** SnakeYAML's own scalar resolution, so that 0x1F, 1_000 and .5 mean what YAML says. */
  private static final class ScalarConstructor extends SafeConstructor {
    ScalarConstructor() {
      super(new LoaderOptions());
    }

    Object construct(ScalarNode node) {
      return constructObject(node);
    }
  }
}
