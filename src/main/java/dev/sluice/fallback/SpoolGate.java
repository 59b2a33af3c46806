package dev.sluice.fallback;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which keys must go to the spool to keep their order: a key whose earlier events are spooled (or
 * being spooled) sends its later events there too, so that none overtakes them on the way to Kafka;
 * it leaves the gate once the spool holds none of its rows. The spool's contents come from PostgreSQL
 * ({@link #refreshed}), so keys spooled by other gateway processes are held too; a key whose local
 * append ended after a refresh began stays held until a later refresh. Keys are
 * {@code topic + '\0' + key}. Not thread-safe: one event loop.
 */
final class SpoolGate {

  /**
   * Per held key: the generation at which its latest local append ended (a read that began after it
   * sees the row), and appends still running.
   */
  private static final class Held {
    long generation;
    int running;
  }

  private final Map<String, Held> held = new HashMap<>();
  private long generation;

  static String key(String topic, String key) {
    return topic + '\u0000' + key;
  }

  /** True when {@code key} must be spooled. */
  boolean holds(String key) {
    return !held.isEmpty() && held.containsKey(key);
  }

  /** Keys held now. */
  int size() {
    return held.size();
  }

  /** An append with {@code key} starts (call before the append is sent). */
  void appending(String key) {
    Held h = held.computeIfAbsent(key, k -> new Held());
    h.generation = ++generation;
    h.running++;
  }

  /** The append with {@code key} ended (committed or not). */
  void appended(String key) {
    Held h = held.get(key);
    if (h != null) {
      h.running--;
      h.generation = ++generation; // a read that began before this may not see the row
    }
  }

  /** A refresh is about to read the spool's keys: returns its mark for {@link #refreshed}. */
  long snapshot() {
    return ++generation;
  }

  /**
   * The spool's keys as read by a refresh that started at {@code mark}: keys not among them are let go,
   * unless an append of theirs is running or ended after the read began (the read may not see its row).
   */
  void refreshed(Set<String> spooled, long mark) {
    held.entrySet().removeIf(e -> !spooled.contains(e.getKey()) && e.getValue().running == 0
        && e.getValue().generation < mark);
    for (String k : spooled) {
      held.computeIfAbsent(k, x -> new Held());
    }
  }
}
