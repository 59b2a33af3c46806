/**
 * What a valid event looks like: the native envelope, read and validated in one streaming pass that
 * reports every violation with its JSON pointer. Used by every ingest protocol.
 */
package dev.sluice.schema;
