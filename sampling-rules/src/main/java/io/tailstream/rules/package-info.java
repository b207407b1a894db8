/**
 * Sampling rules: a YAML file of rules whose {@code when} conditions are CEL expressions, validated
 * when loaded and evaluated on a read-only {@link io.tailstream.rules.TraceView}.
 *
 * <p>Start at {@link io.tailstream.rules.RuleSet}: {@code RuleSet.load(path)} validates a file and
 * reports every problem as {@code file:line:col: message}; {@code evaluate(trace)} returns the
 * {@link io.tailstream.rules.Decision} of the first matching rule. {@link
 * io.tailstream.rules.OtlpTraceView} adapts OTLP {@code TracesData}.
 *
 * <p>This package has no Kafka dependency, so rule tests and the CLI run without a broker.
 */
package io.tailstream.rules;
