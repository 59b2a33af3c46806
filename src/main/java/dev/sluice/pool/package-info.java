/**
 * The backpressure-aware consumer pool: Kafka (consumer group, manual contiguous commits, pause at a
 * high mark while polling continues) and RabbitMQ (manual acks, prefetch) sources feeding a bounded,
 * per-key ordered scheduler.
 */
package dev.sluice.pool;
