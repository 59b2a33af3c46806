/**
 * The seams between the parts: event-bus addresses, the batch and outcome types that cross them (with a
 * local codec, never serialised inside the JVM), the failure catalogue, and the process-wide state.
 */
package dev.sluice.bus;
