package io.tailstream.rules;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Applies a {@link Redaction} to serialized OTLP traces: to the attributes of resources, spans,
 * span events and span links. Scope attributes are left alone.
 *
 * <p>For each attribute the entries are tried in file order, and the first one that matches
 * handles it; later entries do not see it. What the entry's action does:
 *
 * <ul>
 *   <li>{@code remove}: the attribute is removed. {@code dropped_attributes_count} is not
 *       changed, since nothing was dropped for a limit; the {@link RedactionCounter} counts it.
 *   <li>{@code mask}: without {@code values}, the whole value becomes the replacement string,
 *       {@code "[REDACTED]"} by default. With {@code values}, only the regex matches inside
 *       string values are replaced, literally ({@code $} and {@code \} have no special meaning).
 *   <li>{@code hash}: like {@code mask}, but the replacement is {@code "sha256:"} and the first
 *       32 lowercase hex digits of the HMAC-SHA256 of the UTF-8 text under the hash key. A
 *       non-string value matched by key is hashed over its canonical text (the decimal int,
 *       {@code true}, base64 bytes, arrays and kvlists as JSON), so an int ID and the same ID as
 *       a string get the same hash.
 * </ul>
 *
 * <p>A key matches the attribute's own key; the keys inside a kvlist value are not matched, and a
 * matched array or kvlist is handled as a whole. A {@code values} regex is searched for (not
 * matched in full) in string values, including the strings inside arrays and kvlists, and only
 * matches of at least one character count. Attributes without a value are removed by {@code
 * remove} but left alone by {@code mask} and {@code hash}, as they hide nothing.
 *
 * <p>Instances are immutable and safe to use from several threads at once.
 */
public final class Redactor {

  private static final String HMAC = "HmacSHA256";
  private static final String HASH_PREFIX = "sha256:";
  private static final int HASH_BYTES = 16;

  private final RedactionEntry[] entries;
  private final AnyValue[] masks;
  private final SecretKeySpec hashKey;

  /**
   * Creates the redactor.
   *
   * @param hashKey the HMAC key; null when no entry hashes
   */
  Redactor(List<RedactionEntry> entries, byte[] hashKey) {
    this.entries = entries.toArray(new RedactionEntry[0]);
    this.masks = new AnyValue[this.entries.length];
    for (int i = 0; i < this.entries.length; i++) {
      String replacement = this.entries[i].replacement();
      masks[i] = replacement == null ? null : stringValue(replacement);
    }
    this.hashKey = hashKey == null ? null : new SecretKeySpec(hashKey, HMAC);
    if (this.hashKey != null) {
      newMac();
    }
  }

  /**
   * Redacts the attributes of a serialized {@code TracesData}.
   *
   * @param tracesData a serialized OTLP {@code TracesData}; not modified
   * @param counter told, after the redaction, how many attributes each entry changed
   * @return the redacted {@code TracesData}; {@code tracesData} itself, not re-encoded, when no
   *     attribute changed
   * @throws IllegalArgumentException if {@code tracesData} does not parse as a {@code TracesData}
   */
  public byte[] apply(byte[] tracesData, RedactionCounter counter) {
    requireNonNull(tracesData, "tracesData");
    requireNonNull(counter, "counter");
    if (entries.length == 0) {
      return tracesData;
    }
    TracesData data;
    try {
      data = TracesData.parseFrom(tracesData);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "tracesData is not an OTLP TracesData: " + e.getMessage(), e);
    }
    Pass pass = new Pass();
    TracesData redacted = pass.tracesData(data);
    if (redacted == data) {
      return tracesData;
    }
    byte[] result = redacted.toByteArray();
    pass.report(counter);
    return result;
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(hashKey);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has " + HMAC, e);
    }
  }

  private static AnyValue stringValue(String value) {
    return AnyValue.newBuilder().setStringValue(value).build();
  }

  /**
   * One call of {@link #apply}, with its counts and reusable state. Every method returns its
   * argument itself when nothing in it changed, so that an untouched trace is not rebuilt.
   */
  private final class Pass {
    private final int[] counts = new int[entries.length];
    private final Matcher[] matchers = new Matcher[entries.length];
    // Spans of a trace repeat the same user IDs and hosts: hash each value once per call.
    private Map<String, String> hashes;
    private Mac mac;
    /** Whether the last search of a values regex found a match. */
    private boolean found;

    TracesData tracesData(TracesData data) {
      TracesData.Builder builder = null;
      for (int i = 0; i < data.getResourceSpansCount(); i++) {
        ResourceSpans original = data.getResourceSpans(i);
        ResourceSpans redacted = resourceSpans(original);
        if (redacted != original) {
          builder = builder == null ? data.toBuilder() : builder;
          builder.setResourceSpans(i, redacted);
        }
      }
      return builder == null ? data : builder.build();
    }

    private ResourceSpans resourceSpans(ResourceSpans original) {
      ResourceSpans.Builder builder = null;
      List<KeyValue> attributes = attributes(original.getResource().getAttributesList());
      if (attributes != original.getResource().getAttributesList()) {
        builder = original.toBuilder();
        builder.getResourceBuilder().clearAttributes().addAllAttributes(attributes);
      }
      for (int i = 0; i < original.getScopeSpansCount(); i++) {
        ScopeSpans scopeSpans = original.getScopeSpans(i);
        ScopeSpans redacted = scopeSpans(scopeSpans);
        if (redacted != scopeSpans) {
          builder = builder == null ? original.toBuilder() : builder;
          builder.setScopeSpans(i, redacted);
        }
      }
      return builder == null ? original : builder.build();
    }

    private ScopeSpans scopeSpans(ScopeSpans original) {
      ScopeSpans.Builder builder = null;
      for (int i = 0; i < original.getSpansCount(); i++) {
        Span span = original.getSpans(i);
        Span redacted = span(span);
        if (redacted != span) {
          builder = builder == null ? original.toBuilder() : builder;
          builder.setSpans(i, redacted);
        }
      }
      return builder == null ? original : builder.build();
    }

    private Span span(Span original) {
      Span.Builder builder = null;
      List<KeyValue> attributes = attributes(original.getAttributesList());
      if (attributes != original.getAttributesList()) {
        builder = original.toBuilder().clearAttributes().addAllAttributes(attributes);
      }
      for (int i = 0; i < original.getEventsCount(); i++) {
        List<KeyValue> eventAttributes = original.getEvents(i).getAttributesList();
        List<KeyValue> redacted = attributes(eventAttributes);
        if (redacted != eventAttributes) {
          builder = builder == null ? original.toBuilder() : builder;
          builder.getEventsBuilder(i).clearAttributes().addAllAttributes(redacted);
        }
      }
      for (int i = 0; i < original.getLinksCount(); i++) {
        List<KeyValue> linkAttributes = original.getLinks(i).getAttributesList();
        List<KeyValue> redacted = attributes(linkAttributes);
        if (redacted != linkAttributes) {
          builder = builder == null ? original.toBuilder() : builder;
          builder.getLinksBuilder(i).clearAttributes().addAllAttributes(redacted);
        }
      }
      return builder == null ? original : builder.build();
    }

    private List<KeyValue> attributes(List<KeyValue> original) {
      List<KeyValue> redacted = null;
      for (int i = 0; i < original.size(); i++) {
        KeyValue attribute = original.get(i);
        KeyValue result = attribute(attribute);
        if (result != attribute && redacted == null) {
          redacted = new ArrayList<>(original.size());
          redacted.addAll(original.subList(0, i));
        }
        if (redacted != null && result != null) {
          redacted.add(result);
        }
      }
      return redacted == null ? original : redacted;
    }

    /** Returns the attribute as the first matching entry leaves it, or null if removed. */
    private KeyValue attribute(KeyValue attribute) {
      AnyValue value = attribute.getValue();
      for (int e = 0; e < entries.length; e++) {
        RedactionEntry entry = entries[e];
        if (entry.keys() != null && !entry.keys().matches(attribute.getKey())) {
          continue;
        }
        AnyValue redacted;
        if (entry.values() == null) {
          redacted = wholeValue(e, value);
        } else {
          found = false;
          if (entry.action() == RedactionEntry.Action.REMOVE) {
            redacted = contains(e, value) ? null : value;
          } else {
            redacted = replaceMatches(e, value);
          }
          if (!found) {
            continue;
          }
        }
        if (redacted == null) {
          counts[e]++;
          return null;
        }
        // Already masked, say: handled, but there is nothing to change or count.
        if (redacted.equals(value)) {
          return attribute;
        }
        counts[e]++;
        return attribute.toBuilder().setValue(redacted).build();
      }
      return attribute;
    }

    /** Applies a keys-only entry; returns null to remove the attribute. */
    private AnyValue wholeValue(int e, AnyValue value) {
      RedactionEntry.Action action = entries[e].action();
      if (action == RedactionEntry.Action.REMOVE) {
        return null;
      }
      if (value.getValueCase() == AnyValue.ValueCase.VALUE_NOT_SET) {
        return value;
      }
      if (action == RedactionEntry.Action.MASK) {
        return masks[e];
      }
      String text =
          value.getValueCase() == AnyValue.ValueCase.STRING_VALUE
              ? value.getStringValue()
              : AnyValueText.canonical(value);
      return stringValue(hash(text));
    }

    /** Whether a string in {@code value} has a match of entry {@code e}'s regex. */
    private boolean contains(int e, AnyValue value) {
      switch (value.getValueCase()) {
        case STRING_VALUE:
          Matcher matcher = matcher(e, value.getStringValue());
          while (matcher.find()) {
            if (matcher.end() > matcher.start()) {
              found = true;
              return true;
            }
          }
          return false;
        case ARRAY_VALUE:
          for (AnyValue element : value.getArrayValue().getValuesList()) {
            if (contains(e, element)) {
              return true;
            }
          }
          return false;
        case KVLIST_VALUE:
          for (KeyValue element : value.getKvlistValue().getValuesList()) {
            if (contains(e, element.getValue())) {
              return true;
            }
          }
          return false;
        default:
          return false;
      }
    }

    /** Replaces the matches of entry {@code e}'s regex in the strings of {@code value}. */
    private AnyValue replaceMatches(int e, AnyValue value) {
      switch (value.getValueCase()) {
        case STRING_VALUE:
          String original = value.getStringValue();
          String replaced = replaceMatches(e, original);
          return replaced == original ? value : stringValue(replaced);
        case ARRAY_VALUE:
          ArrayValue array = value.getArrayValue();
          ArrayValue.Builder arrayBuilder = null;
          for (int i = 0; i < array.getValuesCount(); i++) {
            AnyValue element = array.getValues(i);
            AnyValue redacted = replaceMatches(e, element);
            if (redacted != element) {
              arrayBuilder = arrayBuilder == null ? array.toBuilder() : arrayBuilder;
              arrayBuilder.setValues(i, redacted);
            }
          }
          return arrayBuilder == null
              ? value
              : AnyValue.newBuilder().setArrayValue(arrayBuilder).build();
        case KVLIST_VALUE:
          KeyValueList list = value.getKvlistValue();
          KeyValueList.Builder listBuilder = null;
          for (int i = 0; i < list.getValuesCount(); i++) {
            KeyValue element = list.getValues(i);
            AnyValue redacted = replaceMatches(e, element.getValue());
            if (redacted != element.getValue()) {
              listBuilder = listBuilder == null ? list.toBuilder() : listBuilder;
              listBuilder.setValues(i, element.toBuilder().setValue(redacted));
            }
          }
          return listBuilder == null
              ? value
              : AnyValue.newBuilder().setKvlistValue(listBuilder).build();
        default:
          return value;
      }
    }

    /** Returns {@code text} itself when the regex has no match in it. */
    private String replaceMatches(int e, String text) {
      RedactionEntry entry = entries[e];
      Matcher matcher = matcher(e, text);
      StringBuilder result = null;
      int copied = 0;
      while (matcher.find()) {
        // An empty match hides nothing; replacing it would only insert text.
        if (matcher.end() == matcher.start()) {
          continue;
        }
        found = true;
        result = result == null ? new StringBuilder(text.length() + 32) : result;
        result.append(text, copied, matcher.start());
        result.append(
            entry.action() == RedactionEntry.Action.MASK
                ? entry.replacement()
                : hash(matcher.group()));
        copied = matcher.end();
      }
      return result == null ? text : result.append(text, copied, text.length()).toString();
    }

    private Matcher matcher(int e, String text) {
      Matcher matcher = matchers[e];
      if (matcher == null) {
        matcher = entries[e].values().matcher(text);
        matchers[e] = matcher;
        return matcher;
      }
      return matcher.reset(text);
    }

    private String hash(String text) {
      if (hashes == null) {
        hashes = new HashMap<>();
        mac = newMac();
      }
      String hash = hashes.get(text);
      if (hash == null) {
        byte[] digest = mac.doFinal(text.getBytes(UTF_8));
        hash = HASH_PREFIX + HexFormat.of().formatHex(digest, 0, HASH_BYTES);
        hashes.put(text, hash);
      }
      return hash;
    }

    void report(RedactionCounter counter) {
      for (int e = 0; e < counts.length; e++) {
        if (counts[e] > 0) {
          counter.redacted(entries[e].name(), counts[e]);
        }
      }
    }
  }
}
