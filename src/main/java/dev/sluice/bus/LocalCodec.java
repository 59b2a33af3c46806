package dev.sluice.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes objects by reference between verticles of this JVM. Sluice does not cluster its event bus,
 * so the wire methods are never called.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {

  private final String name;

  private LocalCodec(Class<T> type) {
    this.name = "sluice-local-" + type.getSimpleName();
  }

  /** Registers the local codecs of every type that crosses the bus. */
  public static void registerAll(EventBus bus) {
    bus.registerDefaultCodec(Batch.class, new LocalCodec<>(Batch.class));
    bus.registerDefaultCodec(BatchOutcome.class, new LocalCodec<>(BatchOutcome.class));
    bus.registerDefaultCodec(dev.sluice.deadletter.StoredDeadLetter.class,
        new LocalCodec<>(dev.sluice.deadletter.StoredDeadLetter.class));
  }

  @Override
  public void encodeToWire(Buffer buffer, T t) {
    throw new UnsupportedOperationException(name + " is local only");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(name + " is local only");
  }

  @Override
  public T transform(T t) {
    return t;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
