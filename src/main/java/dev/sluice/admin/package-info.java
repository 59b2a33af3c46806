/** The admin listener on its own port: liveness, readiness, Prometheus metrics. */
package dev.sluice.admin;
