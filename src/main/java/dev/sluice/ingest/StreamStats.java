package dev.sluice.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/** Process-wide WebSocket stream figures, shared by every ingest instance. */
public final class StreamStats {

  final AtomicLong open = new AtomicLong();
  final AtomicLong paused = new AtomicLong();
  final AtomicLong outstanding = new AtomicLong();
  final Counter framesIn;
  final Counter framesOut;

  public StreamStats(MeterRegistry registry) {
    Gauge.builder("sluice.ws.sockets", open, AtomicLong::get)
        .description("Open WebSocket streams")
        .register(registry);
    Gauge.builder("sluice.ws.paused", paused, AtomicLong::get)
        .description("Streams whose socket is paused (in-flight bound reached or client not reading)")
        .register(registry);
    Gauge.builder("sluice.ws.credits.outstanding", outstanding, AtomicLong::get)
        .description("Events sent by clients and not yet acknowledged")
        .register(registry);
    framesIn = Counter.builder("sluice.ws.frames").tag("direction", "in").register(registry);
    framesOut = Counter.builder("sluice.ws.frames").tag("direction", "out").register(registry);
  }
}
