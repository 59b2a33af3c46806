package dev.sluice.config;

/** The whole configuration, one record per part. */
public record SluiceConfig(
    HttpConfig http,
    WebSocketConfig websocket,
    LimitsConfig limits,
    KafkaConfig kafka,
    AdminConfig admin,
    ShutdownConfig shutdown,
    RoutingConfig routing,
    RabbitConfig rabbitmq,
    BridgeConfig bridge,
    StoreConfig store,
    SpoolConfig spool,
    BreakerConfig kafkaBreaker,
    FallbackConfig fallback,
    SubscriptionsConfig subscriptions,
    IdempotencyConfig idempotency,
    GrpcIngestConfig grpc,
    SchemasConfig schemas,
    AuthConfig auth) {

  public SluiceConfig {
    ConfigRules.check(http, websocket, limits, kafka);
    FallbackConfig.check(fallback, routing, spool);
    GrpcIngestConfig.check(grpc, limits);
  }
}
