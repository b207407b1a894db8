/**
 * Kafka serdes for Tailstream's topics. Codecs live in {@link io.tailstream.serdes.otlp} (OTLP
 * spans) and {@link io.tailstream.serdes.avro} (decision records).
 */
package io.tailstream.serdes;
