/**
 * Sluice: an event-loop messaging gateway. {@link dev.sluice.Main} parses the configuration once and
 * starts a {@link dev.sluice.Gateway}, which deploys the parts; they talk only through {@code bus}.
 */
package dev.sluice;
