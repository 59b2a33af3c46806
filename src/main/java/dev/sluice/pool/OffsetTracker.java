package dev.sluice.pool;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * The offsets of one Kafka partition taken and not yet done, in order. An offset becomes committable
 * only when it and every earlier offset taken are done: {@link #committable()} is the offset to commit
 * (the next one to read), or -1 when nothing new is committable. Confined to one thread.
 */
public final class OffsetTracker {

  private final ArrayDeque<Long> taken = new ArrayDeque<>();
  private final Set<Long> done = new HashSet<>();
  private long committable = -1;
  private long committed = -1;
  private long last = -1;

  /**
   * Records that {@code offset} is handed out, if it is greater than every offset taken before; else
   * refuses it (false) and changes nothing: the partition's position went back (a reset or seek) and
   * the offset was handed out already.
   */
  public boolean take(long offset) {
    if (offset <= last) {
      return false;
    }
    last = offset;
    taken.addLast(offset);
    return true;
  }

  /** The greatest offset taken, or -1. */
  public long last() {
    return last;
  }

  /** Marks {@code offset} done; ignores offsets this tracker did not hand out or already passed. */
  public void done(long offset) {
    Long head = taken.peekFirst();
    if (head == null || offset < head) {
      return;
    }
    done.add(offset);
    while (!taken.isEmpty() && done.remove(taken.peekFirst())) {
      committable = taken.pollFirst() + 1;
    }
  }

  /** Offsets handed out and not done. */
  public int inFlight() {
    return taken.size();
  }

  /** The offset to commit when it moved since {@link #markCommitted}, else -1. */
  public long committable() {
    return committable > committed ? committable : -1;
  }

  /** The offset to commit to cover everything done so far, or -1 when nothing is done yet. */
  public long position() {
    return committable;
  }

  /** Forgets a commit of {@code offset} that failed, so that it is tried again. */
  public void unmarkCommitted(long offset) {
    if (committed == offset) {
      committed = -1;
    }
  }

  /** Records that {@code offset} was committed. */
  public void markCommitted(long offset) {
    committed = Math.max(committed, offset);
  }
}
