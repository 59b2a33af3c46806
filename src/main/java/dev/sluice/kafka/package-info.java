/**
 * Kafka: the one shared producer that publishes batches and reports each record's acknowledgement, and
 * the readiness probe that tells the rest of the gateway whether Kafka is reachable.
 */
package dev.sluice.kafka;
