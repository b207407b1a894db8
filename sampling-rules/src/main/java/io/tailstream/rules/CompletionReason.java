package io.tailstream.rules;

/**
 * Why a trace was considered complete and handed to the rules. Rules see it as
 * {@code trace.completion}, spelled as {@link #label()}.
 */
public enum CompletionReason {
  /** No span arrived for {@code decision.wait} after the last one. */
  IDLE("idle"),
  /** {@code decision.root-grace} passed after the root span arrived. */
  ROOT("root"),
  /** {@code decision.max-trace-age} passed after the first span arrived. */
  MAX_AGE("max_age"),
  /** The trace exceeded {@code limits.max-spans-per-trace}. */
  SPAN_LIMIT("span_limit");

  private final String label;

  CompletionReason(String label) {
    this.label = label;
  }

  /**
   * Returns the lowercase name that rules compare {@code trace.completion} with, for example
   * {@code "max_age"}.
   */
  public String label() {
    return label;
  }
}
