package dev.sluice.loadtest;

import io.gatling.javaapi.core.Simulation;

/**
 * Closed model, one event per request: {@code users} (default 64) keep-alive connections POST single
 * envelopes as fast as the answers come.
 *
 * <p>Passes when no request is KO (anything but a 202 that accepted the event) and p99 &lt; {@code p99Ms}
 * (default 30 ms).
 */
public final class SingleEventSimulation extends Simulation {

  static final int DEFAULT_P99_MS = 30;

  private final ClosedModel model = new ClosedModel(new Params(64, 1, DEFAULT_P99_MS));

  public SingleEventSimulation() {
    System.out.println("SingleEventSimulation: " + model.p);
    setUp(model.population("single event", "POST /v1/events (" + model.p.events + " event)"))
        .maxDuration(model.maxDuration())
        .assertions(model.assertions());
  }

  @Override
  public void before() {
    model.start();
  }
}
