/**
 * HTTP ingest: {@code POST /v1/events}. Reads bodies within the process's in-flight budget, validates
 * them with the envelope reader, asks {@code route} to deliver, and answers each event's outcome.
 */
package dev.sluice.ingest;
