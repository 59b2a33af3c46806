package dev.sluice.ingest;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sluice.grpc.v1.IngestEvent;
import dev.sluice.grpc.v1.PublishRequest;
import dev.sluice.grpc.v1.PublishResponse;
import dev.sluice.testsupport.GrpcIngestClient;
import dev.sluice.testsupport.Malformed;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@link FuzzIT}'s gRPC part: Publish calls as raw HTTP/2 requests with prior knowledge, of six kinds
 * (from the seed): 0 valid (must be accepted), 1 a valid message with the compressed flag and no
 * {@code grpc-encoding} (must be answered INTERNAL, SLC-1004), 2 a declared length past the bytes, 3 a
 * declared length short of them, 4 a mutated message, 5 random bytes. No 5xx and no grpc-status
 * UNKNOWN or INTERNAL but for kind 1.
 */
final class FuzzGrpc {

  static final int CALLS = 700;

  private final FuzzTally tally;

  FuzzGrpc(FuzzTally tally) {
    this.tally = tally;
  }

  Void run(Vertx vertx, int port, long seed) throws Exception {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(port), new PoolOptions());
    // some malformed messages break the whole HTTP/2 connection (its other calls lose their answers,
    // maybe after publishing): valid calls, compressed-flag calls and the other malformed ones each get
    // a connection of their own, and a malformed call that lost its answer may have published its events
    HttpClient compressed = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(port), new PoolOptions());
    HttpClient validCalls = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(port), new PoolOptions());
    // calls go 50 at a time: one that is never answered costs the window's 2 s, not its own
    Map<java.util.concurrent.CompletableFuture<Void>, Integer> window = new java.util.LinkedHashMap<>();
    for (int i = 0; i < CALLS; i++) {
      Random r = new Random(seed * 13 + i);
      List<IngestEvent> events = new ArrayList<>();
      for (int k = 1 + r.nextInt(3); k > 0; k--) {
        events.add(GrpcIngestClient.event(new java.util.UUID(r.nextLong(), r.nextLong()).toString(), FuzzRequests.TYPE));
      }
      byte[] message = PublishRequest.newBuilder().addAllEvents(events).build().toByteArray();
      int kind = r.nextInt(6);
      byte flag = kind == 1 ? (byte) 1 : 0;
      byte[] payload = kind == 0 || kind == 1 ? message : kind == 5 ? Malformed.randomBytes(r, r.nextInt(300))
          : Malformed.mutate(r, message);
      int declared = kind == 2 ? payload.length + 1 + r.nextInt(100) : kind == 3 ? Math.max(0, payload.length - 1
          - r.nextInt(5)) : payload.length;
      if (kind == 0) {
        tally.valid.addAndGet(events.size());
      } else {
        tally.malformed.incrementAndGet();
      }
      Buffer body = Buffer.buffer().appendByte(flag).appendInt(declared).appendBytes(payload);
      int call = i;
      java.util.concurrent.CompletableFuture<Void> f = (kind == 1 ? compressed : kind == 0 ? validCalls : client)
          .request(HttpMethod.POST, "/sluice.v1.Ingest/Publish")
          .compose(req -> req.putHeader("content-type", "application/grpc").putHeader("te", "trailers").send(body))
          .compose(resp -> resp.body().map(b -> {
            String status = resp.getHeader("grpc-status") != null ? resp.getHeader("grpc-status")
                : resp.getTrailer("grpc-status");
            String details = resp.getHeader("grpc-status-details-bin") != null
                ? resp.getHeader("grpc-status-details-bin") : resp.getTrailer("grpc-status-details-bin");
            tally.accepted.addAndGet(acceptedOf(status, b, details));
            String text = resp.getHeader("grpc-message") != null ? resp.getHeader("grpc-message")
                : resp.getTrailer("grpc-message");
            if (kind == 1 && !("13".equals(status) && String.valueOf(text).startsWith("SLC-1004"))) {
              tally.problems.add("grpc #" + call + ": a compressed-flag call got grpc-status " + status + " " + text);
            }
            return Map.entry(resp.statusCode(), String.valueOf(status));
          }))
          .toCompletionStage().toCompletableFuture()
          .handle((result, err) -> {
            if (err != null) {
              Throwable cause = err instanceof java.util.concurrent.CompletionException ? err.getCause() : err;
              tally.count("grpc " + cause.getClass().getSimpleName() + " (kind " + kind + ")");
              if (kind == 0 || kind == 1) { // a compressed-flag call is answered INTERNAL (SLC-1004)
                tally.problems.add("grpc #" + call + " (kind " + kind + ") failed: " + cause);
              } else {
                tally.unknown.addAndGet(events.size());
              }
              return null;
            }
            tally.count("grpc http " + result.getKey() + " grpc-status " + result.getValue());
            tally.checkStatus("grpc #" + call, result.getKey(), "");
            if (kind != 1 && ("2".equals(result.getValue()) || "13".equals(result.getValue()))) {
              tally.problems.add("grpc #" + call + " (kind " + kind + "): grpc-status " + result.getValue());
            }
            if (kind == 0 && !"0".equals(result.getValue())) {
              tally.problems.add("grpc #" + call + ": a valid call got grpc-status " + result.getValue());
            }
            return null;
          });
      window.put(f, kind);
      if (window.size() == 50 || i == CALLS - 1) {
        try {
          java.util.concurrent.CompletableFuture.allOf(window.keySet().toArray(new java.util.concurrent.CompletableFuture<?>[0]))
              .get(2, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          window.forEach((w, k) -> {
            if (!w.isDone()) {
              tally.count("grpc no answer within 2 s (kind " + k + ")");
              if (k == 0 || k == 1) {
                tally.problems.add("grpc: a call of kind " + k + " got no answer within 2 s");
              }
            }
          });
        }
        window.clear();
      }
    }
    client.close();
    compressed.close();
    validCalls.close();
    return null;
  }

  private static int acceptedOf(String status, Buffer body, String details) {
    try {
      if ("0".equals(status) && body.length() > 5) {
        return PublishResponse.parseFrom(body.getBytes(5, body.length())).getAccepted();
      }
      if (details != null) {
        // padding is optional in gRPC's base64, and in Java's decoder
        com.google.rpc.Status s = com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(details));
        for (Any any : s.getDetailsList()) {
          if (any.is(PublishResponse.class)) {
            return any.unpack(PublishResponse.class).getAccepted();
          }
        }
      }
      return 0;
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("unreadable gRPC answer", e);
    }
  }
}
