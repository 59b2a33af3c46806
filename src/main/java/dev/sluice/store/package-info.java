/**
 * PostgreSQL access (vertx-pg-client): the connection pool, the versioned schema migrations the
 * gateway applies at start, and the spool that holds events while Kafka is away.
 */
package dev.sluice.store;
