/** Maps each event to its destination (Kafka topic and key) from the rules in {@code conf/routes.yaml}. */
package dev.sluice.route;
