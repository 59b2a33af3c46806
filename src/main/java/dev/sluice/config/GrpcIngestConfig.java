package dev.sluice.config;

/**
 * gRPC ingest ({@code sluice.v1.Ingest}) on the ingest port.
 *
 * @param enabled whether requests with a {@code application/grpc} content type are served
 * @param maxMessageBytes the largest gRPC message the server reads (a Publish request or a Stream
 *     message); larger ones fail the call with RESOURCE_EXHAUSTED
 * @param streamCredits events a Stream client may have unacknowledged
 * @param maxCreditViolations the Stream message beyond the credits that ends the call: with 3, the first
 *     two get an error (SLC-1009) and the third ends the call
 */
public record GrpcIngestConfig(boolean enabled, int maxMessageBytes, int streamCredits, int maxCreditViolations) {

  public GrpcIngestConfig {
    Check.atLeast("grpc.max-message-bytes", maxMessageBytes, 1024);
    Check.atLeast("grpc.stream-credits", streamCredits, 1);
    Check.atLeast("grpc.max-credit-violations", maxCreditViolations, 1);
  }

  /**
   * Values that cannot work with the process's in-flight bound: the envelopes of a message take more
   * bytes from the budget than the message (about 1.8 times for small events), so a message must leave
   * room for them — at most half the budget; a request whose envelopes exceed the whole budget anyway
   * is refused for good (SLC-1002).
   */
  static void check(GrpcIngestConfig grpc, LimitsConfig limits) {
    if (grpc.maxMessageBytes() > limits.maxInFlightBytes() / 2) {
      throw new ConfigException("grpc.max-message-bytes", "must not exceed half of limits.max-in-flight-bytes ("
          + limits.maxInFlightBytes() / 2 + "), got " + grpc.maxMessageBytes());
    }
    if (grpc.streamCredits() > limits.maxInFlightEvents()) {
      throw new ConfigException("grpc.stream-credits", "must not exceed limits.max-in-flight-events ("
          + limits.maxInFlightEvents() + "), got " + grpc.streamCredits());
    }
  }

  /**
   * {@code grpc.max-message-bytes: 0} (the default) means {@code http.max-body-bytes}, at most half of
   * {@code limits.max-in-flight-bytes}.
   */
  static GrpcIngestConfig of(boolean enabled, int maxMessageBytes, int streamCredits, int maxCreditViolations,
      HttpConfig http, LimitsConfig limits) {
    int bytes = maxMessageBytes != 0 ? maxMessageBytes
        : (int) Math.min(http.maxBodyBytes(), Math.max(1024, limits.maxInFlightBytes() / 2));
    return new GrpcIngestConfig(enabled, bytes, streamCredits, maxCreditViolations);
  }
}
