package dev.sluice.subscribe;

import dev.sluice.deadletter.DeadLetter;

/**
 * What a delivery came to.
 *
 * @param kind done, worth another attempt, or never going to work
 * @param failureClass null when done; else a {@code DeadLetter.CLASS_*} constant
 * @param status the HTTP status, or the gRPC status code of the call (a per-event {@code RETRY} or
 *     {@code REJECT} of a call that ended OK: 0, with the result's message in {@code response}); null
 *     when no answer came (a timeout, a refused connection)
 * @param response the answer's body or the error's message (cut to 1 KiB), or null
 * @param retryAfterMs the sink asked to wait this long ({@code Retry-After}), 0 when it did not
 * @param ambiguous the sink may have taken the event although no success came back (a timeout, a
 *     connection lost after the request was written): a later attempt may make a duplicate
 */
public record SinkResult(
    Kind kind, String failureClass, Integer status, String response, long retryAfterMs, boolean ambiguous) {

  public enum Kind {
    DONE,
    RETRY,
    PERMANENT
  }

  public SinkResult {
    response = DeadLetter.cut(response);
  }

  public static SinkResult done(Integer status) {
    return new SinkResult(Kind.DONE, null, status, null, 0, false);
  }

  public static SinkResult retry(String failureClass, Integer status, String response, long retryAfterMs,
      boolean ambiguous) {
    return new SinkResult(Kind.RETRY, failureClass, status, response, retryAfterMs, ambiguous);
  }

  public static SinkResult permanent(String failureClass, Integer status, String response) {
    return new SinkResult(Kind.PERMANENT, failureClass, status, response, 0, false);
  }

  public boolean done() {
    return kind == Kind.DONE;
  }
}
