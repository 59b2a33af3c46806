package dev.sluice.rabbit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** RabbitMQ's max_message_size, read from its reason for closing a channel. */
class MaxMessageSizeTest {

  @Test
  void readsTheLimitFromRabbitMQsWords() {
    assertThat(RabbitLink.maxMessageSize(406,
        "PRECONDITION_FAILED - message size 8192 is larger than configured max size 4096")).isEqualTo(4096);
    assertThat(RabbitLink.maxMessageSize(406,
        "PRECONDITION_FAILED - message size 200000000 is larger than max size 134217728")).isEqualTo(134217728);
  }

  @Test
  void otherClosesTeachNothing() {
    assertThat(RabbitLink.maxMessageSize(404, "NOT_FOUND - no exchange 'x' in vhost '/'")).isEqualTo(-1);
    assertThat(RabbitLink.maxMessageSize(406, "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'x'"))
        .isEqualTo(-1);
    assertThat(RabbitLink.maxMessageSize(406, null)).isEqualTo(-1);
  }
}
