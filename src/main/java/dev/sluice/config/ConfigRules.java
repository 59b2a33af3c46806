package dev.sluice.config;

/**
 * Rules between keys of different parts. Each one guards against a configuration that starts but
 * cannot work: a request or a stream frame bigger than the whole in-flight budget is never admitted
 * (a 503 "retry later" for ever, a stream that waits for ever); a producer batch bigger than the
 * producer's memory fails every send. The message names both keys and their values.
 */
final class ConfigRules {

  private ConfigRules() {}

  static void check(HttpConfig http, WebSocketConfig websocket, LimitsConfig limits, KafkaConfig kafka) {
    atMost("http.max-body-bytes", http.maxBodyBytes(), "limits.max-in-flight-bytes", limits.maxInFlightBytes(),
        "a body that size could never be admitted (503 for ever)");
    atMost("http.max-batch-events", http.maxBatchEvents(), "limits.max-in-flight-events", limits.maxInFlightEvents(),
        "a batch that size could never be admitted (503 for ever)");
    atMost("websocket.max-message-bytes", websocket.maxMessageBytes(), "limits.max-in-flight-bytes",
        limits.maxInFlightBytes(), "a stream frame that size would wait for the budget for ever");
    atMost("websocket.credits", websocket.credits(), "limits.max-in-flight-events", limits.maxInFlightEvents(),
        "a stream frame using all its credits would wait for the budget for ever");
    long buffer = kafka.bufferMemory();
    if (buffer >= 0 && buffer < limits.maxInFlightBytes()) {
      throw new ConfigException("kafka.producer.buffer.memory", buffer + " is less than limits.max-in-flight-bytes ("
          + limits.maxInFlightBytes() + "): the producer would block its sender for max.block.ms where the"
          + " budget should answer 503 at once; lower limits.max-in-flight-bytes instead (buffer.memory follows it)");
    }
    String bufferKey = buffer >= 0 ? "kafka.producer.buffer.memory" : "limits.max-in-flight-bytes";
    long bufferMemory = buffer >= 0 ? buffer : limits.maxInFlightBytes();
    if (kafka.batchSize() > bufferMemory) {
      throw new ConfigException("kafka.producer.batch.size", kafka.batchSize() + " is more than the producer's"
          + " buffer.memory, " + bufferKey + " (" + bufferMemory + "): the producer takes batch.size for every"
          + " batch, so every send would fail");
    }
  }

  private static void atMost(String key, long value, String limitKey, long limit, String why) {
    if (value > limit) {
      throw new ConfigException(key, value + " is more than " + limitKey + " (" + limit + "): " + why);
    }
  }
}
