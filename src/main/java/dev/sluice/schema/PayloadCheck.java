package dev.sluice.schema;

/**
 * Checks an event's {@code data} against the JSON Schema of its type and version. Every edge (HTTP
 * native and CloudEvents, WebSocket, gRPC) calls it on the same event bytes it will publish, after the
 * envelope itself was found valid. Implementations are thread-safe and never block.
 */
@FunctionalInterface
public interface PayloadCheck {

  /** Checks nothing: every payload conforms. */
  PayloadCheck NONE = (type, version, json, from, to, pointer) -> null;

  /**
   * @param json the bytes holding the payload (UTF-8 JSON)
   * @param from where {@code data}'s value starts in {@code json}
   * @param to where it ends (exclusive)
   * @param pointer the JSON pointer of the event in the request ({@code ""} for a single event,
   *     {@code /3} for a batch's fourth); violations point at {@code pointer + "/data/..."}
   * @return {@code null} when the payload conforms (or its type has no schema), else the problem
   */
  PayloadProblem check(String eventType, String eventVersion, byte[] json, int from, int to, String pointer);
}
