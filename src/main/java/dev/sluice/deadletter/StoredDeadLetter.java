package dev.sluice.deadletter;

import java.time.Instant;
import java.util.List;

/**
 * A dead letter as the dead-letter index keeps it: the message (key, value, headers without the
 * dead-letter ones), why it failed, and where it went.
 *
 * @param letter the metadata
 * @param key the message's key, or null
 * @param value the message's body, exactly as it was read
 * @param headers the message's headers (Kafka headers, or AMQP headers as UTF-8 text), without {@code sluice-dlq-*}
 * @param target where it was dead-lettered: {@code kafka:<topic>} or {@code rabbitmq:<exchange>}
 * @param deadAt when it was dead-lettered (null before it is stored: the store's clock decides)
 */
public record StoredDeadLetter(
    DeadLetter letter, byte[] key, byte[] value, List<Header> headers, String target, Instant deadAt) {

  /** A header of the message. */
  public record Header(String name, byte[] value) {}

  public StoredDeadLetter {
    headers = headers == null ? List.of() : headers.stream()
        .filter(h -> !h.name().startsWith(DeadLetterHeaders.PREFIX)).toList();
  }

  public String subscription() {
    return letter.subscription();
  }

  public String eventId() {
    return letter.eventId();
  }
}
