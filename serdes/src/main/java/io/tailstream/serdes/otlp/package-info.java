/**
 * OTLP trace data on the wire: per-trace splitting of incoming records ({@link
 * io.tailstream.serdes.otlp.TraceSplitter}), marking of kept spans ({@link
 * io.tailstream.serdes.otlp.SpanRewriter}) and OTLP/JSON conversion ({@link
 * io.tailstream.serdes.otlp.OtlpJson}). Undecodable input raises {@link
 * io.tailstream.serdes.otlp.CorruptSpanDataException}.
 */
package io.tailstream.serdes.otlp;
