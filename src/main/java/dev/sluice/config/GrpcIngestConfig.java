package dev.sluice.config;

/**
 * gRPC ingest ({@code sluice.v1.Ingest}) on the ingest port.
 *
 * @param enabled whether requests with a {@code application/grpc} content type are served
 * @param maxMessageBytes the largest gRPC message the server reads (a Publish request or a Stream
 *     message); larger ones fail the call with RESOURCE_EXHAUSTED
 * @param streamCredits events a Stream client may have unacknowledged
 * @param maxCreditViolations Stream messages beyond the credits before the call is ended
 */
public record GrpcIngestConfig(boolean enabled, int maxMessageBytes, int streamCredits, int maxCreditViolations) {

  public GrpcIngestConfig {
    Check.atLeast("grpc.max-message-bytes", maxMessageBytes, 1024);
    Check.atLeast("grpc.stream-credits", streamCredits, 1);
    Check.atLeast("grpc.max-credit-violations", maxCreditViolations, 1);
  }

  /**
   * Values that cannot work with the process's in-flight bound: a larger message could never be admitted
   * (a Stream call would wait for the budget forever), as for {@code websocket.*}.
   */
  static void check(GrpcIngestConfig grpc, LimitsConfig limits) {
    if (grpc.maxMessageBytes() > limits.maxInFlightBytes()) {
      throw new ConfigException("grpc.max-message-bytes", "must not exceed limits.max-in-flight-bytes ("
          + limits.maxInFlightBytes() + "), got " + grpc.maxMessageBytes());
    }
    if (grpc.streamCredits() > limits.maxInFlightEvents()) {
      throw new ConfigException("grpc.stream-credits", "must not exceed limits.max-in-flight-events ("
          + limits.maxInFlightEvents() + "), got " + grpc.streamCredits());
    }
  }

  /** {@code grpc.max-message-bytes: 0} (the default) means {@code http.max-body-bytes}. */
  static GrpcIngestConfig of(
      boolean enabled, int maxMessageBytes, int streamCredits, int maxCreditViolations, HttpConfig http) {
    return new GrpcIngestConfig(
        enabled, maxMessageBytes == 0 ? http.maxBodyBytes() : maxMessageBytes, streamCredits, maxCreditViolations);
  }
}
