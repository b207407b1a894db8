package io.tailstream.rules;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.Map;

/** The resource that spans of one {@code ResourceSpans} share, converted once and lazily. */
final class OtlpResource {

  private static final String SERVICE_NAME = "service.name";

  private final Resource resource;
  private final String service;
  private volatile Map<String, Object> attributes;
  private volatile AttributeMapValue celAttributes;

  OtlpResource(Resource resource) {
    this.resource = resource;
    this.service = serviceName(resource);
  }

  String service() {
    return service;
  }

  Map<String, Object> attributes() {
    Map<String, Object> result = attributes;
    if (result == null) {
      result = AttributeValues.toMap(resource.getAttributesList());
      attributes = result;
    }
    return result;
  }

  AttributeMapValue celAttributes() {
    AttributeMapValue result = celAttributes;
    if (result == null) {
      Map<String, Object> converted = attributes;
      result =
          converted != null
              ? AttributeMapValue.of(converted)
              : AttributeMapValue.ofKeyValues(resource.getAttributesList());
      celAttributes = result;
    }
    return result;
  }

  private static String serviceName(Resource resource) {
    for (KeyValue keyValue : resource.getAttributesList()) {
      if (keyValue.getKey().equals(SERVICE_NAME) && keyValue.getValue().hasStringValue()) {
        return keyValue.getValue().getStringValue();
      }
    }
    return "";
  }
}
