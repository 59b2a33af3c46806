package dev.sluice.config;

/** Streaming ingest over WebSocket ({@code GET /v1/stream}): credit window, limits, keep-alive. */
public record WebSocketConfig(
    int credits,
    int maxMessageBytes,
    int idleTimeoutSeconds,
    int pingIntervalSeconds,
    int maxCreditViolations) {

  public WebSocketConfig {
    Check.atLeast("websocket.credits", credits, 1);
    Check.atLeast("websocket.max-message-bytes", maxMessageBytes, 1024);
    Check.atLeast("websocket.idle-timeout-seconds", idleTimeoutSeconds, 1);
    Check.atLeast("websocket.ping-interval-seconds", pingIntervalSeconds, 1);
    Check.atLeast("websocket.max-credit-violations", maxCreditViolations, 1);
    if (pingIntervalSeconds >= idleTimeoutSeconds) {
      throw new ConfigException(
          "websocket.ping-interval-seconds",
          "must be shorter than websocket.idle-timeout-seconds (" + idleTimeoutSeconds + ")");
    }
  }
}
