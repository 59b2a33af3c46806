package dev.sluice.ingest;

import dev.sluice.bus.Failure;
import dev.sluice.config.IdempotencyConfig;
import dev.sluice.store.Idempotency;
import dev.sluice.store.Idempotency.Owned;
import dev.sluice.store.Idempotency.StoredAnswer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotency-Key for one edge (protocol-neutral: HTTP and gRPC): claims a key in the store within
 * {@code idempotency.timeout-ms} and says what the request does — proceed, answer the stored answer
 * again, or be refused — and, once the owner answered, stores its answer (not a 5xx: the key is let go,
 * the client may retry). Counts claims by outcome. Safe from any context; what it returns completes
 * on the caller's context.
 */
public final class IdempotencyGate {

  private static final Logger LOG = LoggerFactory.getLogger(IdempotencyGate.class);

  private final IdempotencyConfig config;
  private final long leaseMs;
  private final Supplier<Future<Idempotency>> store;
  private final Map<String, Counter> claims;
  /** When an unavailable store was last logged: once per {@link #LOG_EVERY_MS}, not once per request. */
  private final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE / 2);
  private static final long LOG_EVERY_MS = 10_000;

  /** What a request with a key does after its claim. */
  public sealed interface Verdict permits Proceed, Replay, Refuse {}

  /** It owns the key: it goes on, then {@link #settle}s. */
  public record Proceed(Owned owned) implements Verdict {}

  /** Its retry: the stored answer, nothing else. */
  public record Replay(StoredAnswer answer) implements Verdict {}

  /** Refused as a whole: another body (422), in progress (409), the store unavailable (503). */
  public record Refuse(Failure failure, String message) implements Verdict {}

  /**
   * @param leaseMs the lease of a claim (see {@link IdempotencyConfig#leaseMs(long)})
   * @param store opens the store (and migrates its schema) on first use; every call after gives the same
   * @param protocol the {@code protocol} tag of the metrics: http or grpc
   */
  public IdempotencyGate(IdempotencyConfig config, long leaseMs, Supplier<Future<Idempotency>> store,
      MeterRegistry registry, String protocol) {
    this.config = config;
    this.leaseMs = leaseMs;
    this.store = store;
    this.claims = Map.of(
        "owned", counter(registry, protocol, "owned"),
        "replayed", counter(registry, protocol, "replayed"),
        "mismatch", counter(registry, protocol, "mismatch"),
        "in_progress", counter(registry, protocol, "in_progress"),
        "unavailable", counter(registry, protocol, "unavailable"));
  }

  /** The same gate (store, keys, leases) for another edge's protocol tag. */
  public IdempotencyGate forProtocol(MeterRegistry registry, String protocol) {
    return new IdempotencyGate(config, leaseMs, store, registry, protocol);
  }

  private static Counter counter(MeterRegistry registry, String protocol, String outcome) {
    return Counter.builder("sluice.idempotency.claims")
        .description("Claims of Idempotency-Keys by outcome")
        .tag("outcome", outcome)
        .tag("protocol", protocol)
        .register(registry);
  }

  /** False: keys are ignored (idempotency.enabled: false). */
  public boolean enabled() {
    return config.enabled();
  }

  /** The scope of keys of {@code edge} (e.g. {@code http:/v1/events}) sent by {@code identity}. */
  public static String scope(String edge, String identity) {
    return edge + "|" + identity;
  }

  /** Claims {@code key}; never fails (a store that does not answer in time is a {@link Refuse}). */
  public Future<Verdict> claim(String scope, String key, byte[] fingerprint) {
    Context caller = Vertx.currentContext();
    Future<Idempotency.Claim> raw = withStore(s -> s.claim(scope, key, fingerprint, leaseMs, config.ttlMs()));
    return back(caller, raw.timeout(config.timeoutMs(), TimeUnit.MILLISECONDS).transform(ar -> {
      if (ar.failed()) {
        // a claim that succeeds after all is let go at once: nobody answers for it
        raw.onSuccess(late -> {
          if (late instanceof Owned o) {
            abandon(o);
          }
        });
        claims.get("unavailable").increment();
        long now = System.currentTimeMillis();
        long last = lastLogged.get();
        if (now - last >= LOG_EVERY_MS && lastLogged.compareAndSet(last, now)) {
          LOG.warn("Idempotency store: claiming a key failed: {} (requests with a key get 503 SLC-5011 until"
              + " PostgreSQL answers; idempotency.enabled: false ignores the header)", ar.cause().toString());
        }
        return Future.succeededFuture(new Refuse(Failure.IDEMPOTENCY_UNAVAILABLE, "the idempotency store"
            + " (PostgreSQL) did not answer within " + config.timeoutMs() + " ms; nothing was published, retry later"));
      }
      return Future.succeededFuture(switch (ar.result()) {
        case Owned o -> count("owned", new Proceed(o));
        case Idempotency.Replay r -> count("replayed", new Replay(r.answer()));
        case Idempotency.Mismatch m -> count("mismatch", new Refuse(Failure.IDEMPOTENCY_KEY_REUSED,
            "the Idempotency-Key was used with another request body; use a new key for a new request"));
        case Idempotency.InProgress p -> count("in_progress", new Refuse(Failure.IDEMPOTENCY_IN_PROGRESS,
            "the first request with this Idempotency-Key is still being answered; retry later"));
      });
    }));
  }

  /** {@code call} on the store: at once (on the caller's context) once it is open, else when it opens. */
  private <T> Future<T> withStore(Function<Idempotency, Future<T>> call) {
    Future<Idempotency> s = store.get();
    return s.succeeded() ? call.apply(s.result()) : s.compose(call);
  }

  /** {@code f}, completing on {@code caller} (the store may complete it elsewhere, e.g. on a timer thread). */
  private static <T> Future<T> back(Context caller, Future<T> f) {
    if (caller == null) {
      return f;
    }
    Promise<T> p = Promise.promise();
    f.onComplete(ar -> {
      if (Vertx.currentContext() == caller) {
        p.handle(ar);
      } else {
        caller.runOnContext(v -> p.handle(ar));
      }
    });
    return p.future();
  }

  private Verdict count(String outcome, Verdict v) {
    claims.get(outcome).increment();
    return v;
  }

  /**
   * Stores the owner's answer, or lets the key go for a 5xx and a 429 (over quota: the same request
   * succeeds later); completes (never fails) once done or
   * after {@code idempotency.timeout-ms}: a store that failed leaves the claim to run out its lease.
   */
  public Future<Void> settle(Owned owned, StoredAnswer answer) {
    if (answer.status() >= 500 || answer.status() == 429) {
      return abandon(owned);
    }
    return back(Vertx.currentContext(), withStore(s -> s.complete(owned, answer))
        .timeout(config.timeoutMs(), TimeUnit.MILLISECONDS)
        .transform(ar -> {
          if (ar.failed()) {
            LOG.warn("Idempotency store: storing the answer of key {} failed: {}", owned.key(), ar.cause().toString());
          } else if (!ar.result()) {
            LOG.warn("Idempotency store: the claim of key {} ran out before its answer; the answer is not stored"
                + " (idempotency.lease-ms is shorter than the request took)", owned.key());
          }
          return Future.<Void>succeededFuture();
        }));
  }

  /** Lets the key go; completes (never fails) once done or after {@code idempotency.timeout-ms}. */
  public Future<Void> abandon(Owned owned) {
    return back(Vertx.currentContext(), withStore(s -> s.abandon(owned))
        .timeout(config.timeoutMs(), TimeUnit.MILLISECONDS)
        .transform(ar -> {
          if (ar.failed()) {
            LOG.warn("Idempotency store: letting key {} go failed ({}); it is free once its lease runs out",
                owned.key(), ar.cause().toString());
          }
          return Future.<Void>succeededFuture();
        }));
  }
}
