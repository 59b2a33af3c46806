package dev.sluice.pool;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Which partitions a consumer should have paused: a partition at {@code perPartitionHigh} records in
 * flight until it is back to half; every partition while the process-wide count is at {@code
 * processHigh} until it is back to half, or while stopping. Recomputed from the current assignment
 * each time, so pauses survive a rebalance. Confined to the poll thread.
 *
 * @param <P> a partition
 */
public final class PartitionPauses<P> {

  private final int perPartitionHigh;
  private final int processHigh;
  private final Set<P> overBound = new HashSet<>();
  private boolean global;

  public PartitionPauses(int perPartitionHigh, int processHigh) {
    this.perPartitionHigh = perPartitionHigh;
    this.processHigh = processHigh;
  }

  /** The partitions of {@code assigned} to keep paused now. */
  public Set<P> desired(Collection<P> assigned, ToIntFunction<P> inFlight, int processInFlight, boolean stopping) {
    if (processInFlight >= processHigh) {
      global = true;
    } else if (global && processInFlight <= processHigh / 2) {
      global = false;
    }
    Set<P> out = new HashSet<>();
    for (P p : assigned) {
      int n = inFlight.applyAsInt(p);
      if (n >= perPartitionHigh) {
        overBound.add(p);
      } else if (n <= perPartitionHigh / 2) {
        overBound.remove(p);
      }
      if (stopping || global || overBound.contains(p)) {
        out.add(p);
      }
    }
    overBound.retainAll(assigned);
    return out;
  }

  /** Forgets a partition (revoked or lost). */
  public void forget(P partition) {
    overBound.remove(partition);
  }
}
