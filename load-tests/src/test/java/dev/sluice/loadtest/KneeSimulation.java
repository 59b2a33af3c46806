package dev.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.stopLoadGeneratorIf;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Open model that finds the knee: after a warm-up ({@code warmupSeconds}, default 10, arrivals ramping
 * from 1/s to the start rate; not counted), arrivals at {@code startRate} requests/s, then {@code step} more every {@code
 * levelSeconds}, for {@code levels} levels (defaults 2000 + 2000 x 0..9, 10 s each). Each arrival
 * sends one request ({@code events} envelopes, default 1) over a shared keep-alive pool; a slow gateway
 * does not slow the arrivals, so queueing shows up as latency and refusals. Far past the knee (more than
 * {@code maxOutstanding}, default 4000, requests waiting) the run stops, before the load generator runs
 * out of sockets.
 *
 * <p>Requests are named by level ({@code L03 8000rps}), so Gatling's report has one row per level. At the
 * end the simulation prints a table per level (offered and answered rate, p50/p99, KO by status), the
 * highest level that held, and the knee: the first level above it that broke, that is whose p99 exceeds
 * {@code p99Ms}, whose KO share exceeds {@code maxKoPercent}, or whose answered rate falls below 95% of the
 * offered rate. The Gatling assertions say the same per level (p99, KO share, OK count >= 95% of the
 * offered count), so a run passes only when every level held, that is when the knee lies beyond the
 * highest level tried.
 */
public final class KneeSimulation extends Simulation {

  private static final int MAX_MS = 60_000;

  private final Params p = new Params(0, 1, SingleEventSimulation.DEFAULT_P99_MS);
  private final int startRate = Params.integer("startRate", 2000);
  private final int step = Params.integer("step", 2000);
  private final int levels = Params.integer("levels", 10);
  private final int levelSeconds = Params.integer("levelSeconds", 10);
  private final int warmupSeconds = Params.integer("warmupSeconds", 10);
  private final int maxOutstanding = Params.integer("maxOutstanding", 4000);
  private final AtomicInteger outstanding = new AtomicInteger();
  private volatile String stoppedAt;
  private final Level[] stats = new Level[levels];
  private volatile long startNanos;

  public KneeSimulation() {
    System.out.printf(
        Locale.ROOT,
        "KneeSimulation: %s startRate=%d step=%d levels=%d levelSeconds=%d warmupSeconds=%d maxOutstanding=%d%n",
        p, startRate, step, levels, levelSeconds, warmupSeconds, maxOutstanding);
    List<OpenInjectionStep> injection = new ArrayList<>();
    if (warmupSeconds > 0) {
      // from a trickle, so that a cold load generator and gateway are not swamped from the first second
      injection.add(rampUsersPerSec(1).to(startRate).during(Duration.ofSeconds(warmupSeconds)));
    }
    for (int i = 0; i < levels; i++) {
      stats[i] = new Level(rate(i));
      injection.add(constantUsersPerSec(rate(i)).during(Duration.ofSeconds(levelSeconds)));
    }
    ScenarioBuilder scn =
        scenario("knee")
            .exec(session -> session.set("level", levelNow()))
            .exec(session -> session.set("levelName", name(session.getInt("level"))))
            .exec(stopLoadGeneratorIf(session -> String.valueOf(stoppedAt), session -> {
              if (session.getInt("level") < 0 || outstanding.get() <= maxOutstanding) {
                return false;
              }
              stoppedAt = String.format(Locale.ROOT,
                  "more than %d requests outstanding during %s: far past the knee", maxOutstanding,
                  session.getString("levelName"));
              return true;
            }))
            .exec(session -> {
              outstanding.incrementAndGet();
              return session;
            })
            .exec(
                http("#{levelName}")
                    .post("/v1/events")
                    .header("content-type", p.format.contentType)
                    .body(StringBody(session -> Events.body(p.format, p.events, p.eventBytes)))
                    .check(status().saveAs("status"), status().is(202))
                    .check(responseTimeInMillis().saveAs("rt")))
            .exec(session -> {
              outstanding.decrementAndGet();
              int level = session.getInt("level");
              if (level >= 0) {
                int status = session.contains("status") ? session.getInt("status") : 0;
                long rt = session.contains("rt") ? session.getLong("rt") : -1; // -1: no answer
                stats[level].record(status, rt);
              }
              return session;
            });
    // Pass only if every level held: per level p99, KO share and answered count, in Gatling's terms.
    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().percent().lte(p.maxKoPercent));
    for (int i = 0; i < levels; i++) {
      assertions.add(details(name(i)).responseTime().percentile(99.0).lt(p.p99Ms));
      assertions.add(details(name(i)).failedRequests().percent().lte(p.maxKoPercent));
      assertions.add(details(name(i)).successfulRequests().count().gte((long) (0.95 * rate(i) * levelSeconds)));
    }
    setUp(scn.injectOpen(injection))
        .protocols(Requests.protocol(p).shareConnections())
        .maxDuration(Duration.ofSeconds((long) levels * levelSeconds + warmupSeconds + 60))
        .assertions(assertions);
  }

  private int rate(int level) {
    return startRate + level * step;
  }

  private String name(int level) {
    if (level < 0) {
      return String.format(Locale.ROOT, "warm-up 1-%drps", startRate);
    }
    return String.format(Locale.ROOT, "L%02d %drps", level, rate(level));
  }

  /** The level by the clock: -1 during the warm-up, then 0 .. levels - 1. */
  private int levelNow() {
    long elapsed = (System.nanoTime() - startNanos) / 1_000_000_000L - warmupSeconds;
    if (elapsed < 0) {
      return -1;
    }
    return (int) Math.min(levels - 1, elapsed / levelSeconds);
  }

  @Override
  public void before() {
    startNanos = System.nanoTime();
  }

  @Override
  public void after() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT,
        "%nknee (p99 bound %d ms, KO bound %.2f%%, answered >= 95%% of offered)%n", p.p99Ms, p.maxKoPercent));
    int held = -1;
    boolean[] broke = new boolean[levels];
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < levels; i++) {
      Level l = stats[i];
      long n = l.total.sum();
      double answered = (double) l.answered.sum() / levelSeconds;
      double koPct = n == 0 ? 0 : 100.0 * l.ko.sum() / n;
      long p99 = l.percentile(99.0);
      if (n == 0) {
        rows.append(String.format(Locale.ROOT, "L%02d   %9d  not run%n", i, l.rate));
        broke[i] = true;
        continue;
      }
      broke[i] = p99 > p.p99Ms || koPct > p.maxKoPercent || answered < 0.95 * l.rate;
      if (!broke[i]) {
        held = i;
      }
      rows.append(String.format(Locale.ROOT, "L%02d   %9d %9.0f %8d %8d %8.2f  %-5s %s%n",
          i, l.rate, answered, l.percentile(50.0), p99, koPct, broke[i] ? "BREAK" : "ok", l.byStatus()));
    }
    out.append(String.format(Locale.ROOT, "%-5s %9s %9s %8s %8s %8s  %-5s %s%n",
        "level", "offered/s", "answer/s", "p50 ms", "p99 ms", "KO %", "", "non-202 by status"));
    out.append(rows);
    if (stoppedAt != null) {
      out.append("stopped early: ").append(stoppedAt).append('\n');
    }
    if (held < 0) {
      out.append("knee: below the first level; no level held (lower -DstartRate)\n");
    } else {
      out.append(String.format(Locale.ROOT, "highest level held: L%02d at %d requests/s (%d events/s)%n",
          held, rate(held), (long) rate(held) * p.events));
      int knee = held + 1; // every level above the highest that held broke
      out.append(knee >= levels
          ? "knee: not reached; raise -DstartRate/-Dstep/-Dlevels\n"
          : String.format(Locale.ROOT, "knee: L%02d at %d requests/s (%d events/s)%n", knee, rate(knee),
              (long) rate(knee) * p.events));
    }
    System.out.print(out);
  }

  /** Counts and a 1 ms latency histogram for one level; shared by all Gatling threads. */
  private static final class Level {
    final int rate;
    final LongAdder total = new LongAdder();
    final LongAdder ko = new LongAdder();
    final LongAdder answered = new LongAdder();
    final AtomicLongArray histogram = new AtomicLongArray(MAX_MS + 1);
    final AtomicLongArray statuses = new AtomicLongArray(600);

    Level(int rate) {
      this.rate = rate;
    }

    void record(int status, long rtMs) {
      total.increment();
      if (status != 202) {
        ko.increment();
      }
      statuses.incrementAndGet(Math.max(0, Math.min(599, status)));
      if (rtMs >= 0) {
        answered.increment();
        histogram.incrementAndGet((int) Math.min(MAX_MS, rtMs));
      }
    }

    /** Percentile of the response times of the requests that got an answer. */
    long percentile(double pct) {
      long n = answered.sum();
      if (n == 0) {
        return 0;
      }
      long rank = (long) Math.ceil(pct / 100.0 * n);
      long seen = 0;
      for (int ms = 0; ms <= MAX_MS; ms++) {
        seen += histogram.get(ms);
        if (seen >= rank) {
          return ms;
        }
      }
      return MAX_MS;
    }

    String byStatus() {
      StringBuilder sb = new StringBuilder();
      for (int s = 0; s < 600; s++) {
        long c = statuses.get(s);
        if (c > 0 && s != 202) {
          sb.append(sb.length() == 0 ? "" : " ").append(s == 0 ? "no-answer" : Integer.toString(s))
              .append('=').append(c);
        }
      }
      return sb.length() == 0 ? "-" : sb.toString();
    }
  }
}
