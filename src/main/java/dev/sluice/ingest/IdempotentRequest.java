package dev.sluice.ingest;

import dev.sluice.ingest.IdempotencyGate.Proceed;
import dev.sluice.ingest.IdempotencyGate.Verdict;
import dev.sluice.store.Idempotency.Owned;
import dev.sluice.store.Idempotency.StoredAnswer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The Idempotency-Key of one {@code POST /v1/events}: its key (or why it is malformed), its claim once
 * the body is known, and the answer stored before the client sees it (so that a retry finds it). A
 * replay repeats the first answer's status, body and {@code x-correlation-id} (the events carry it),
 * with {@code Idempotent-Replayed: true}; its {@code x-request-id} is its own (the body's {@code
 * requestId} names the first request). Confined to the request's event loop.
 */
final class IdempotentRequest {

  static final CharSequence HEADER = HttpHeaders.createOptimized("idempotency-key");
  static final CharSequence REPLAYED = HttpHeaders.createOptimized("idempotent-replayed");
  static final String EDGE = "http:/v1/events";
  private static final String CONTENT_TYPE = "application/json";
  private static final String CORRELATION = "x-correlation-id";

  private final IdempotencyGate gate;
  private final String scope;
  private final String key;
  private final String malformed;
  private Owned owned;

  private IdempotentRequest(IdempotencyGate gate, String scope, String key, String malformed) {
    this.gate = gate;
    this.scope = scope;
    this.key = key;
    this.malformed = malformed;
  }

  /** The request's key, for a client {@code identity}; null without a key or with keys off (no cost then). */
  static IdempotentRequest of(IdempotencyGate gate, HttpServerRequest req, String identity) {
    List<String> values = gate == null || !gate.enabled() ? List.of() : req.headers().getAll(HEADER);
    if (values.isEmpty()) {
      return null;
    }
    String scope = IdempotencyGate.scope(EDGE, identity);
    if (values.size() > 1) {
      return new IdempotentRequest(gate, scope, null, "more than one Idempotency-Key header");
    }
    try {
      return new IdempotentRequest(gate, scope, IdempotencyKey.parse(values.get(0)), null);
    } catch (IdempotencyKey.Malformed e) {
      return new IdempotentRequest(gate, scope, null, e.getMessage());
    }
  }

  /** Why the header is not a key, or null. */
  String malformed() {
    return malformed;
  }

  /** Claims the key for this request (content type, ce-* headers and body fingerprinted). */
  Future<Verdict> claim(HttpServerRequest req, byte[] body, int size) {
    byte[] fingerprint = IdempotencyKey.fingerprint(req.getHeader(HttpHeaders.CONTENT_TYPE), req.headers(), body, size);
    return gate.claim(scope, key, fingerprint).map(v -> {
      if (v instanceof Proceed p) {
        owned = p.owned();
      }
      return v;
    });
  }

  /** Stores the answer (a 5xx lets the key go) when this request owns the key; else done at once. */
  Future<Void> settle(int status, String body, String correlationId) {
    Owned o = owned;
    owned = null;
    if (o == null) {
      return Future.succeededFuture();
    }
    return gate.settle(o, new StoredAnswer(status, CONTENT_TYPE, body.getBytes(StandardCharsets.UTF_8),
        Map.of(CORRELATION, correlationId)));
  }

  /** The stored answer again: its headers set on {@code resp}, its status and body returned. */
  static Answer replay(HttpServerResponse resp, StoredAnswer stored) {
    stored.headers().forEach(resp::putHeader);
    resp.putHeader(REPLAYED, "true");
    return new Answer(stored.status(), new String(stored.body(), StandardCharsets.UTF_8), null);
  }
}
