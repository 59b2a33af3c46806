package dev.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.rampConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.PopulationBuilder;
import java.time.Duration;

/**
 * The closed model shared by {@link SingleEventSimulation} and {@link BatchSimulation}: {@code users}
 * virtual users, each on its own keep-alive connection, ramped up over {@code ramp} and then held for
 * {@code duration}; every user loops POSTing fresh events as fast as answers come until one common
 * deadline, so all stop together.
 */
final class ClosedModel {

  final Params p;
  private volatile long deadlineNanos = Long.MAX_VALUE;

  ClosedModel(Params p) {
    this.p = p;
  }

  PopulationBuilder population(String scenarioName, String requestName) {
    return scenario(scenarioName)
        .exec(
            asLongAs(session -> System.nanoTime() < deadlineNanos)
                .on(Requests.postEvents(requestName, p)))
        .injectClosed(
            rampConcurrentUsers(0).to(p.users).during(p.ramp),
            constantConcurrentUsers(p.users).during(p.duration))
        .protocols(Requests.protocol(p));
  }

  Duration maxDuration() {
    return p.ramp.plus(p.duration).plus(Duration.ofSeconds(30));
  }

  /** No KO at all (by default) and p99 under the bound. */
  Assertion[] assertions() {
    return new Assertion[] {
      global().failedRequests().percent().lte(p.maxKoPercent),
      global().responseTime().percentile(99.0).lt(p.p99Ms)
    };
  }

  /**
   * Called from the simulation's {@code before()}: the loops end ramp + duration (+ 1 s, so that the
   * closed injector, which ends a little earlier, never replaces a finished user) from now.
   */
  void start() {
    deadlineNanos = System.nanoTime() + p.ramp.plus(p.duration).plusSeconds(1).toNanos();
  }
}
