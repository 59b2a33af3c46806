package dev.sluice.config;

/** The ingest listener and its per-request limits. */
public record HttpConfig(
    String host,
    int port,
    int instances,
    int maxBodyBytes,
    int maxBatchEvents,
    int idleTimeoutSeconds,
    int bodyTimeoutMs,
    int maxInitialLineBytes,
    int maxHeaderBytes,
    TlsConfig tls) {

  public HttpConfig {
    Check.port("http.port", port);
    Check.atLeast("http.instances", instances, 0);
    Check.atLeast("http.max-body-bytes", maxBodyBytes, 1);
    Check.atLeast("http.max-batch-events", maxBatchEvents, 1);
    Check.atLeast("http.idle-timeout-seconds", idleTimeoutSeconds, 0);
    Check.atLeast("http.body-timeout-ms", bodyTimeoutMs, 100);
    Check.atLeast("http.max-initial-line-bytes", maxInitialLineBytes, 256);
    Check.atLeast("http.max-header-bytes", maxHeaderBytes, 1024);
    tls = tls == null ? TlsConfig.off("http.tls") : tls;
  }
}
