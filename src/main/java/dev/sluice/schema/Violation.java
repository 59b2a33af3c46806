package dev.sluice.schema;

/**
 * One thing wrong with an event.
 *
 * @param pointer JSON pointer into the request body (RFC 6901), e.g. {@code /3/eventId}
 * @param message what is wrong, e.g. {@code is required}
 */
public record Violation(String pointer, String message) {}
