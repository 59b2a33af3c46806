/**
 * RabbitMQ: a connection that reconnects with back-off and re-runs its setup (QoS, confirms,
 * consumers) on every new connection, and a publisher that completes each publish on the broker's
 * confirm.
 */
package dev.sluice.rabbit;
