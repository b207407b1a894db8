/**
 * Rule tests for SREs: the cases file of {@code tailstream rules test}, the compact trace format
 * that cases and {@code rules explain} use, and the runner that checks each case's expected
 * decision and explains the failures.
 *
 * <p>Start at {@link io.tailstream.rulestest.RuleCasesParser} and {@link
 * io.tailstream.rulestest.RuleCaseRunner}. This package lives in the topology module rather than in
 * {@code sampling-rules} because reading OTLP JSON fixtures needs the serdes module.
 */
package io.tailstream.rulestest;
