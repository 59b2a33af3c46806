package dev.sluice.ingest;

import dev.sluice.bus.Event;
import dev.sluice.bus.Failure;
import dev.sluice.bus.Outcome;
import dev.sluice.schema.Rejection;
import dev.sluice.schema.Violation;
import java.util.List;

/**
 * The status and JSON body of an answer. Error bodies are {@code {code, message, pointer?, requestId,
 * errors?}}; a batch's body lists one result per event in request order.
 */
record Answer(int status, String body, Failure failure) {

  /** A failure of the whole request. */
  static Answer error(Failure failure, String message, String requestId) {
    return new Answer(
        failure.httpStatus(),
        new Json(128 + message.length())
            .open()
            .field("code", failure.id())
            .field("message", message)
            .field("requestId", requestId)
            .close()
            .toString(),
        failure);
  }

  /** The answer to a body that was one envelope. */
  static Answer single(Rejection rejection, Outcome outcome, String eventId, String requestId) {
    if (rejection != null) {
      Json json =
          new Json(256)
              .open()
              .field("code", rejection.failure().id())
              .field("message", rejection.message())
              .field("pointer", rejection.violations().get(0).pointer())
              .field("requestId", requestId);
      violations(json, rejection.violations()).close();
      return new Answer(rejection.failure().httpStatus(), json.toString(), rejection.failure());
    }
    if (!outcome.isAccepted()) {
      Failure f = outcome.failure();
      Json json =
          new Json(256)
              .open()
              .field("code", f.id())
              .field("message", outcome.message())
              .field("requestId", requestId);
      if (f == Failure.UNKNOWN_EVENT_TYPE) {
        json.field("pointer", "/eventType");
      }
      return new Answer(f.httpStatus(), json.close().toString(), f);
    }
    return new Answer(202, accepted(new Json(160).open(), eventId, outcome).close().toString(), null);
  }

  /**
   * The answer to a batch: 202 when every event was accepted, 207 when some were, else the status of
   * the failure (one kind of client error: its status; any broker failure: that failure's status).
   */
  static Answer batch(
      int total, List<Rejection> rejections, List<Event> events, Outcome[] outcomes, String requestId) {
    int accepted = 0;
    int rejected = rejections.size();
    int failed = 0;
    Failure worst = rejections.isEmpty() ? null : rejections.get(0).failure();
    for (Outcome o : outcomes) {
      if (o.isAccepted()) {
        accepted++;
      } else if (o.failure().isClientError()) {
        rejected++;
        worst = worst == null ? o.failure() : worst;
      } else {
        failed++;
        if (worst == null || worst.isClientError()) {
          worst = o.failure();
        }
      }
    }
    Json json =
        new Json(64 + total * 120)
            .open()
            .field("requestId", requestId)
            .field("accepted", accepted)
            .field("rejected", rejected)
            .field("failed", failed)
            .openArray("results");
    int r = 0;
    int o = 0;
    for (int index = 0; index < total; index++) {
      if (r < rejections.size() && rejections.get(r).index() == index) {
        Rejection rej = rejections.get(r++);
        json.open()
            .field("index", index)
            .field("eventId", rej.eventId())
            .field("status", "rejected")
            .field("code", rej.failure().id())
            .field("message", rej.message());
        violations(json, rej.violations()).close();
      } else {
        Outcome out = outcomes[o];
        String eventId = events.get(o++).eventId();
        json.open().field("index", index);
        if (out.isAccepted()) {
          accepted(json, eventId, out);
        } else {
          json.field("eventId", eventId)
              .field("status", out.failure().isClientError() ? "rejected" : "failed")
              .field("code", out.failure().id())
              .field("message", out.message());
          if (out.failure() == Failure.UNKNOWN_EVENT_TYPE) {
            json.openArray("errors")
                .open()
                .field("pointer", "/" + index + "/eventType")
                .field("message", out.message())
                .close()
                .closeArray();
          } else {
            json.field("retryable", out.failure().retryable());
          }
        }
        json.close();
      }
    }
    json.closeArray().close();
    int status;
    if (accepted == total) {
      status = 202;
    } else if (accepted > 0) {
      status = 207;
    } else {
      // one kind of failure: its status; mixed client errors: 422; any broker failure: its status
      status = sameFailure(rejections, outcomes) || !worst.isClientError() ? worst.httpStatus() : 422;
    }
    return new Answer(status, json.toString(), accepted == total ? null : worst);
  }

  private static boolean sameFailure(List<Rejection> rejections, Outcome[] outcomes) {
    Failure first = null;
    for (Rejection r : rejections) {
      if (first == null) {
        first = r.failure();
      } else if (first != r.failure()) {
        return false;
      }
    }
    for (Outcome o : outcomes) {
      if (first == null) {
        first = o.failure();
      } else if (first != o.failure()) {
        return false;
      }
    }
    return true;
  }

  /** Kafka's position when Kafka took it; the spool or the fallback target that took it otherwise. */
  private static Json accepted(Json json, String eventId, Outcome outcome) {
    json.field("eventId", eventId).field("status", outcome.status()).field("topic", outcome.topic());
    if (outcome.via() == null) {
      return json.field("partition", outcome.partition()).field("offset", outcome.offset());
    }
    return Outcome.SPOOL.equals(outcome.via()) ? json : json.field("target", outcome.via());
  }

  private static Json violations(Json json, List<Violation> violations) {
    json.openArray("errors");
    for (Violation v : violations) {
      json.open().field("pointer", v.pointer()).field("message", v.message()).close();
    }
    return json.closeArray();
  }
}
