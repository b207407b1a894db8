package io.tailstream.rules;

import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableMap;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.StructType;
import java.util.Optional;

/**
 * The CEL struct types that rules see. Declaring real structs, rather than {@code map(string,
 * dyn)}, lets the checker reject a misspelt field such as {@code trace.eror_count} at load time.
 */
final class TraceTypes {

  static final String TRACE_TYPE_NAME = "tailstream.Trace";
  static final String SPAN_TYPE_NAME = "tailstream.Span";

  private static final CelType ATTRIBUTES = MapType.create(SimpleType.STRING, SimpleType.DYN);

  private static final ImmutableMap<String, CelType> SPAN_FIELDS =
      ImmutableMap.<String, CelType>builder()
          .put("service", SimpleType.STRING)
          .put("name", SimpleType.STRING)
          .put("kind", SimpleType.STRING)
          .put("status", SimpleType.STRING)
          .put("duration", SimpleType.DURATION)
          .put("attributes", ATTRIBUTES)
          .put("resource", ATTRIBUTES)
          .buildOrThrow();

  private static final ImmutableMap<String, CelType> TRACE_FIELDS =
      ImmutableMap.<String, CelType>builder()
          .put("id", SimpleType.STRING)
          .put("duration", SimpleType.DURATION)
          .put("span_count", SimpleType.INT)
          .put("error_count", SimpleType.INT)
          .put("service_count", SimpleType.INT)
          .put("has_root", SimpleType.BOOL)
          .put("start", SimpleType.TIMESTAMP)
          .put("completion", SimpleType.STRING)
          .buildOrThrow();

  static final StructType SPAN =
      StructType.create(
          SPAN_TYPE_NAME,
          SPAN_FIELDS.keySet(),
          field -> Optional.ofNullable(SPAN_FIELDS.get(field)));

  static final StructType TRACE =
      StructType.create(
          TRACE_TYPE_NAME,
          TRACE_FIELDS.keySet(),
          field -> Optional.ofNullable(TRACE_FIELDS.get(field)));

  static final CelType SPAN_LIST = ListType.create(SPAN);

  /** Resolves the struct types by name, for the checker and the runtime. */
  static final CelTypeProvider PROVIDER =
      new CelTypeProvider() {
        private final ImmutableMap<String, CelType> types =
            ImmutableMap.of(TRACE_TYPE_NAME, TRACE, SPAN_TYPE_NAME, SPAN);

        @Override
        public ImmutableCollection<CelType> types() {
          return types.values();
        }

        @Override
        public Optional<CelType> findType(String typeName) {
          return Optional.ofNullable(types.get(typeName));
        }
      };

  private TraceTypes() {}
}
