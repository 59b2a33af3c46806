/**
 * The OpenAPI document of the HTTP API ({@code openapi/sluice.yaml} on the classpath), served as
 * {@code /openapi.yaml} and {@code /openapi.json} on the ingest and admin ports.
 */
package dev.sluice.api;
