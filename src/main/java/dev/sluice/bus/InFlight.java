package dev.sluice.bus;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The process-wide budget of admitted, unanswered work, in events and in bytes. Ingest instances on
 * every event loop take from it before they hold memory for a request and give back when they answered;
 * what does not fit is refused at once (503), never queued. Lock-free, safe from any thread.
 */
public final class InFlight {

  private final long maxEvents;
  private final long maxBytes;
  private final AtomicLong events = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  public InFlight(long maxEvents, long maxBytes) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
  }

  /** The byte bound ({@code limits.max-in-flight-bytes}): a request taking more can never be admitted. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Takes {@code n} events from the budget, or nothing and returns false when they do not fit. */
  public boolean tryAcquireEvents(long n) {
    return tryAcquire(events, maxEvents, n);
  }

  /** Takes {@code n} bytes from the budget, or nothing and returns false when they do not fit. */
  public boolean tryAcquireBytes(long n) {
    return tryAcquire(bytes, maxBytes, n);
  }

  /**
   * Whether {@code n} more bytes would fit now, taking nothing: a cheap early refusal of a request whose
   * announced size cannot fit, before its bytes are taken as they arrive.
   */
  public boolean hasRoomForBytes(long n) {
    return bytes.get() + n <= maxBytes;
  }

  public void releaseEvents(long n) {
    events.addAndGet(-n);
  }

  public void releaseBytes(long n) {
    bytes.addAndGet(-n);
  }

  public long events() {
    return events.get();
  }

  public long bytes() {
    return bytes.get();
  }

  public boolean isIdle() {
    return events.get() == 0 && bytes.get() == 0;
  }

  private static boolean tryAcquire(AtomicLong counter, long max, long n) {
    if (n <= 0) {
      return true;
    }
    while (true) {
      long now = counter.get();
      if (now + n > max) {
        return false;
      }
      if (counter.compareAndSet(now, now + n)) {
        return true;
      }
    }
  }
}
