/**
 * What happens when Kafka cannot take events: circuit breakers (vertx-circuit-breaker, opened by a
 * failure rate) around the broker and each fallback target, and the relay that drains the spool back
 * into Kafka.
 */
package dev.sluice.fallback;
