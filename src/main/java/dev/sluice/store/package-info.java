/**
 * PostgreSQL access (vertx-pg-client): the connection pool, the versioned schema migrations the
 * gateway applies at start, the spool that holds events while Kafka is away, and the dead-letter index.
 */
package dev.sluice.store;
