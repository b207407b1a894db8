package io.tailstream.ingest;

/** What the ingest step makes of one input record: trace fragments, or one dead letter. */
public sealed interface Ingested {

  /** One trace's spans from an input record, encoded for the fragment store. */
  record Fragment(byte[] encoded) implements Ingested {}

  /** An input record that could not be decoded; {@code original} is its value, unchanged. */
  record DeadLetter(byte[] original) implements Ingested {}
}
