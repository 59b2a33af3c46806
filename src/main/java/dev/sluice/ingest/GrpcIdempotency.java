package dev.sluice.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import dev.sluice.ingest.IdempotencyGate.Proceed;
import dev.sluice.ingest.IdempotencyGate.Verdict;
import dev.sluice.store.Idempotency.Owned;
import dev.sluice.store.Idempotency.StoredAnswer;
import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.grpc.v1.PublishResponse;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The {@code idempotency-key} metadata of one {@code Ingest.Publish} call: the same store and rules as
 * the HTTP header (scope {@code grpc:/sluice.v1.Ingest/Publish|<identity>}). The fingerprint is the
 * request message's bytes. An OK answer is stored as the {@code PublishResponse} (status 200); a
 * refusal as its {@code google.rpc.Status} (the HTTP status of its failure, so that what would be a
 * 5xx is not stored). A replay answers the same and sets {@code idempotent-replayed: true} in the
 * response headers. Confined to the call's event loop.
 */
final class GrpcIdempotency {

  static final String KEY = "idempotency-key";
  static final String REPLAYED = "idempotent-replayed";
  static final String EDGE = "grpc:/sluice.v1.Ingest/Publish";
  private static final String RESPONSE = "application/grpc+proto; message=sluice.v1.PublishResponse";
  private static final String STATUS = "application/grpc+proto; message=google.rpc.Status";

  private final IdempotencyGate gate;
  private final String scope;
  private final String key;
  private final String malformed;
  private Owned owned;

  private GrpcIdempotency(IdempotencyGate gate, String scope, String key, String malformed) {
    this.gate = gate;
    this.scope = scope;
    this.key = key;
    this.malformed = malformed;
  }

  /** The call's key, for a client {@code identity}; null without one or with keys off (no cost then). */
  static GrpcIdempotency of(IdempotencyGate gate, GrpcServerRequest<?, ?> req, String identity) {
    List<String> values = gate == null || !gate.enabled() ? List.of() : req.headers().getAll(KEY);
    if (values.isEmpty()) {
      return null;
    }
    String scope = IdempotencyGate.scope(EDGE, identity);
    if (values.size() > 1) {
      return new GrpcIdempotency(gate, scope, null, "more than one idempotency-key metadata entry");
    }
    try {
      return new GrpcIdempotency(gate, scope, IdempotencyKey.parse(values.get(0)), null);
    } catch (IdempotencyKey.Malformed e) {
      return new GrpcIdempotency(gate, scope, null, e.getMessage().replace("Idempotency-Key", KEY));
    }
  }

  /** Why the metadata is not a key, or null. */
  String malformed() {
    return malformed;
  }

  Future<Verdict> claim(PublishRequest msg) {
    byte[] bytes = msg.toByteArray();
    byte[] fingerprint =
        IdempotencyKey.fingerprint(RESPONSE, MultiMap.caseInsensitiveMultiMap(), bytes, bytes.length);
    return gate.claim(scope, key, fingerprint).map(v -> {
      if (v instanceof Proceed p) {
        owned = p.owned();
      }
      return v;
    });
  }

  /** Stores an OK answer; then the caller writes it. */
  Future<Void> settle(PublishResponse answer) {
    return settle(new StoredAnswer(200, RESPONSE, answer.toByteArray(), Map.of()));
  }

  /** Stores a refusal ({@code httpStatus} of its failure: a 5xx lets the key go); then the caller writes it. */
  Future<Void> settle(int httpStatus, Status status) {
    return settle(new StoredAnswer(httpStatus, STATUS, status.toByteArray(), Map.of()));
  }

  private Future<Void> settle(StoredAnswer answer) {
    Owned o = owned;
    owned = null;
    return o == null ? Future.succeededFuture() : gate.settle(o, answer);
  }

  /** Answers the stored answer again, marked as a replay. False when it is not a gRPC answer (an HTTP one). */
  static boolean replay(GrpcServerResponse<PublishRequest, PublishResponse> resp, StoredAnswer stored) {
    try {
      if (RESPONSE.equals(stored.contentType())) {
        resp.headers().set(REPLAYED, "true");
        resp.end(PublishResponse.parseFrom(stored.body()));
        return true;
      }
      if (STATUS.equals(stored.contentType())) {
        Status st = Status.parseFrom(stored.body());
        resp.headers().set(REPLAYED, "true");
        resp.trailers().set(GrpcAnswers.STATUS_DETAILS,
            Base64.getEncoder().withoutPadding().encodeToString(stored.body()));
        resp.status(GrpcStatus.valueOf(st.getCode())).statusMessage(st.getMessage()).end();
        return true;
      }
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
    return false;
  }
}
