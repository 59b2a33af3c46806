package dev.sluice.loadtest;

import io.gatling.javaapi.core.Simulation;
import java.util.Locale;

/**
 * Closed model with batches: {@code events} (default 100) envelopes per request as a JSON array
 * ({@code -Dformat=json}, the default) or NDJSON ({@code -Dformat=ndjson}), {@code users} (default 16)
 * keep-alive connections. Events/s = requests/s x events.
 *
 * <p>Passes when every request is a 202 with {@code accepted} = events and p99 &lt; {@code p99Ms}
 * (default 100 ms).
 */
public final class BatchSimulation extends Simulation {

  private final ClosedModel model = new ClosedModel(new Params(16, 100, 100));

  public BatchSimulation() {
    System.out.println("BatchSimulation: " + model.p);
    String format = model.p.format.name().toLowerCase(Locale.ROOT);
    setUp(model.population("batch " + format,
            "POST /v1/events (" + model.p.events + " events, " + format + ")"))
        .maxDuration(model.maxDuration())
        .assertions(model.assertions());
  }

  @Override
  public void before() {
    model.start();
  }
}
