/** Per-tenant rate limits (events/s, bytes/s): token buckets shared by every ingest instance of a process. */
package dev.sluice.quota;
