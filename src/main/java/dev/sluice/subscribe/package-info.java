/**
 * Subscriptions: the consumer pool delivering events to services (HTTP, gRPC, in-process handlers),
 * with per-key order, retries with back-off, a circuit breaker per sink, an idempotent consumer and
 * dead letters.
 */
package dev.sluice.subscribe;
