package dev.sluice.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What {@link FuzzIT}'s parts count and find, shared by its threads. */
final class FuzzTally {

  final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong malformed = new AtomicLong();
  final AtomicLong valid = new AtomicLong();
  /** Events of malformed gRPC calls whose connection broke before the answer: in Kafka or not. */
  final AtomicLong unknown = new AtomicLong();
  final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());

  /** A 5xx other than 503 (overload) and 505 (an HTTP version it does not speak) is a problem. */
  void checkStatus(String what, int status, String body) {
    if (status >= 500 && status != 503 && status != 505) {
      problems.add(what + ": " + status + " " + body);
    }
  }

  void count(String key) {
    statuses.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
  }
}
