/**
 * The Kafka ⇄ RabbitMQ bridge: one verticle per configured route, at-least-once in both directions
 * (a Kafka offset is committed after RabbitMQ confirmed, an AMQP delivery acked after Kafka
 * acknowledged), one header mapping table used both ways, and a hop count against loops.
 */
package dev.sluice.bridge;
