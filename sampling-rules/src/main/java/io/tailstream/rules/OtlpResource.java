package io.tailstream.rules;

import io.opentelemetry.proto.resource.v1.Resource;
import java.util.Map;

/**
 * The resource that spans of one {@code ResourceSpans} share, parsed or still in its wire form;
 * its attributes are converted once and lazily.
 */
final class OtlpResource {

  private static final String SERVICE_NAME = "service.name";

  private final AttributeMapValue.KeyValueSource source;
  private final String service;
  private volatile Map<String, Object> attributes;
  private volatile AttributeMapValue celAttributes;

  OtlpResource(Resource resource) {
    this(new AttributeMapValue.ParsedKeyValues(resource.getAttributesList()));
  }

  OtlpResource(AttributeMapValue.KeyValueSource source) {
    this.source = source;
    String name = source.firstString(SERVICE_NAME);
    this.service = name == null ? "" : name;
  }

  String service() {
    return service;
  }

  Map<String, Object> attributes() {
    Map<String, Object> result = attributes;
    if (result == null) {
      result = AttributeValues.toMap(source.keyValues());
      attributes = result;
    }
    return result;
  }

  AttributeMapValue celAttributes() {
    AttributeMapValue result = celAttributes;
    if (result == null) {
      Map<String, Object> converted = attributes;
      result = converted != null
          ? AttributeMapValue.of(converted)
          : AttributeMapValue.ofSource(source);
      celAttributes = result;
    }
    return result;
  }

  /** The text of a resource attribute; see {@link AttributeMapValue.KeyValueSource#text}. */
  String attributeText(String key) {
    return source.text(key);
  }
}
