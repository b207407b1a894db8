/**
 * The {@code TraceDecision} Avro record of the decisions topic, generated from {@code
 * src/main/avro/TraceDecision.avsc}, and its single-object codec.
 */
package io.tailstream.serdes.avro;
