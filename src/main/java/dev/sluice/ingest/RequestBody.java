package dev.sluice.ingest;

import dev.sluice.bus.InFlight;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * A request body as it arrives. What it holds is taken from the in-flight byte budget first, as it
 * grows (doubling, within the announced length): a body that trickles in holds about what it sent,
 * not the length it announced. Given back once by {@link #release()}. Confined to one event loop.
 */
final class RequestBody {

  private static final byte[] EMPTY = new byte[0];
  /** The first buffer: one chunk as Vert.x hands them over (8 KiB) fits. */
  private static final int INITIAL_CAPACITY = 8 * 1024;

  private final InFlight inFlight;
  private final long limit;
  private byte[] bytes;
  private int size;
  private long reserved;

  /**
   * @param announced the Content-Length, or -1 when there is none (chunked)
   */
  RequestBody(InFlight inFlight, long announced, int maxBodyBytes) {
    this.inFlight = inFlight;
    this.limit = announced > 0 ? Math.min(announced, maxBodyBytes) : maxBodyBytes;
  }

  /** Appends a chunk; false, appending nothing, when the budget cannot take the room it needs. */
  boolean append(Buffer chunk) {
    int len = chunk.length();
    int needed = size + len;
    if ((bytes == null || needed > bytes.length) && !grow(needed)) {
      return false;
    }
    chunk.getBytes(0, len, bytes, size);
    size = needed;
    return true;
  }

  int size() {
    return size;
  }

  /** The buffer; its first {@link #size()} bytes are the body. */
  byte[] bytes() {
    return bytes == null ? EMPTY : bytes;
  }

  /** Lets the buffer go (the events hold copies of their bytes); the budget stays taken until released. */
  void drop() {
    bytes = null;
  }

  void release() {
    if (reserved > 0) {
      inFlight.releaseBytes(reserved);
      reserved = 0;
    }
  }

  private boolean grow(int needed) {
    int current = bytes == null ? 0 : bytes.length;
    int capacity = (int) Math.max(needed, Math.min(limit, Math.max(INITIAL_CAPACITY, current * 2L)));
    if (!reserve(capacity - current)) {
      if (capacity == needed || !reserve(needed - current)) {
        return false;
      }
      capacity = needed;
    }
    bytes = bytes == null ? new byte[capacity] : Arrays.copyOf(bytes, capacity);
    return true;
  }

  private boolean reserve(long n) {
    if (!inFlight.tryAcquireBytes(n)) {
      return false;
    }
    reserved += n;
    return true;
  }
}
