/**
 * The admin listener on its own port: liveness, readiness, Prometheus metrics, and the dead-letter tools
 * ({@code /admin/dlq}, and their command line {@code sluice dlq}).
 */
package dev.sluice.admin;
